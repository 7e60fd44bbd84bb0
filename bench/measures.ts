import type { EmulatorStats, RequestTimeline } from "../src/emulator/index.js";

/** The figures of one runner in one scenario (times in emulated ms unless named real). */
export interface Measures {
  readonly jobs: number;
  readonly succeeded: number;
  /** ∫busy / ∫C while jobs were still waiting to be sent. */
  readonly occupancy: number;
  /** Makespan / (ΣL / C), for constant C. */
  readonly makespanRatio: number | undefined;
  readonly makespanS: number;
  readonly maxQueued: number;
  readonly callsPerJob: number;
  readonly detectionMedianMs: number;
  readonly detectionP99Ms: number;
  readonly rateLimitedPerJob: number;
  readonly failedTransient: number;
  readonly earlySends: number;
  /** Time to follow each capacity step, in mean job times (undefined: never). */
  readonly follow: ReadonlyArray<{
    readonly from: number;
    readonly to: number;
    readonly jobTimes: number | undefined;
  }>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** C at time t from the capacity timeline. */
function capacityAt(stats: EmulatorStats, t: number): number {
  let c = stats.capacity[0]?.concurrency ?? 1;
  for (const step of stats.capacity) if (step.at <= t) c = step.concurrency;
  return c;
}

/** Computes the measures of rate-aware-concurrency.md from the emulator's record. */
export function measure(
  stats: EmulatorStats,
  scale: number,
  jobs: number,
  succeeded: number,
  failedTransient: number,
  buffer: number,
): Measures {
  const reqs = stats.requests;
  const ran = reqs.filter(
    (r): r is RequestTimeline & { startedAt: number; completedAt: number } =>
      r.startedAt !== undefined && r.completedAt !== undefined,
  );
  const firstSubmit = Math.min(...reqs.map((r) => r.submittedAt));
  const lastSubmit = Math.max(...reqs.map((r) => r.submittedAt));
  const end = Math.max(...reqs.map((r) => r.resultFetchedAt ?? r.completedAt ?? 0));
  // Occupancy while backlogged: integrate in 1 ms steps of real time.
  let busy = 0;
  let cap = 0;
  const events: Array<[number, number]> = [];
  for (const r of ran) events.push([r.startedAt, 1], [r.completedAt, -1]);
  events.sort((a, b) => a[0] - b[0]);
  let running = 0;
  let t = firstSubmit;
  let i = 0;
  for (; t < lastSubmit; t += 1) {
    while (i < events.length && (events[i]?.[0] ?? Number.POSITIVE_INFINITY) <= t)
      running += events[i++]?.[1] ?? 0;
    busy += running;
    cap += capacityAt(stats, t);
  }
  const sumL = ran.reduce((n, r) => n + (r.completedAt - r.startedAt), 0);
  const constantC = stats.capacity.length === 1 ? stats.capacity[0]?.concurrency : undefined;
  const delays = reqs
    .filter((r) => r.completedAt !== undefined && r.resultFetchedAt !== undefined)
    .map((r) => ((r.resultFetchedAt ?? 0) - (r.completedAt ?? 0)) / scale)
    .sort((a, b) => a - b);
  const calls = Object.entries(stats.calls)
    .filter(([op]) => op !== "file" && op !== "control")
    .reduce((n, [, v]) => n + v, 0);
  const meanL = sumL / Math.max(1, ran.length);
  const follow = stats.capacity.slice(1).map((step, k) => {
    const from = stats.capacity[k]?.concurrency ?? 0;
    const to = step.concurrency;
    // In flight at fal (running or waiting) over time, from the request timelines.
    const inFlightAt = (x: number) =>
      reqs.filter((r) => r.submittedAt <= x && (r.completedAt ?? Number.POSITIVE_INFINITY) > x).length;
    const ok = (n: number) => (to > from ? n >= 0.9 * to && n <= to + buffer : n <= to + buffer);
    const until = stats.capacity[k + 2]?.at ?? end;
    for (let x = step.at; x < until; x += 5)
      if (ok(inFlightAt(x))) return { from, to, jobTimes: (x - step.at) / meanL };
    return { from, to, jobTimes: undefined };
  });
  return {
    jobs,
    succeeded,
    occupancy: cap === 0 ? 1 : busy / cap,
    makespanRatio: constantC === undefined ? undefined : (end - firstSubmit) / (sumL / constantC),
    makespanS: (end - firstSubmit) / scale / 1000,
    maxQueued: stats.maxQueued,
    callsPerJob: calls / jobs,
    detectionMedianMs: quantile(delays, 0.5),
    detectionP99Ms: quantile(delays, 0.99),
    rateLimitedPerJob: stats.rateLimited / Math.max(1, succeeded),
    failedTransient,
    earlySends: stats.earlySends,
    follow,
  };
}
