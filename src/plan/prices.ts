import type { EndpointPrice, Job, Plan, PriceAnswer } from "./types.js";

export type { EndpointPrice, PriceAnswer } from "./types.js";

/** Rounds to a hundredth of a cent: sums of decimal prices are not exact. */
export const roundUsd = (n: number): number => Math.round(n * 10_000) / 10_000;

/** The fewest and most a set of jobs can cost. Pure. */
export function costRange(jobs: readonly Job[]): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const j of jobs) {
    min += j.expectedImages.min * j.pricePerImageUsd;
    max += j.expectedImages.max * j.pricePerImageUsd;
  }
  return { min: roundUsd(min), max: roundUsd(max) };
}

/**
 * The price of each endpoint the jobs use, before fal is asked: the manifest's `prices`, else
 * the built-in table. Pure.
 */
export function manifestPrices(jobs: readonly Job[], fromManifest: Readonly<Record<string, number>>) {
  const out = new Map<string, EndpointPrice>();
  for (const job of jobs) {
    const id = job.endpoint.id;
    if (out.has(id)) continue;
    const own = fromManifest[id];
    const builtIn = job.endpoint.pricePerImageUsd;
    out.set(
      id,
      own !== undefined
        ? { endpointId: id, unitPriceUsd: own, source: "manifest" }
        : builtIn !== undefined
          ? { endpointId: id, unitPriceUsd: builtIn, source: "built-in" }
          : // Only fal's pricing endpoint can price it (a run refuses while it has not).
            { endpointId: id, unitPriceUsd: 0, source: "none" },
    );
  }
  return [...out.values()];
}

/**
 * The prices to use, given fal's answers: fal's (or its cached copy) wins, since it is what the
 * account is billed; otherwise the plan's own (the manifest's, else built in), with fal's note
 * on why it was not used. Pure.
 */
export function settlePrices(
  planned: readonly EndpointPrice[],
  answers: ReadonlyMap<string, PriceAnswer>,
): EndpointPrice[] {
  return planned.map((p) => {
    const a = answers.get(p.endpointId);
    if (a && (a.source === "fal" || a.source === "cache"))
      return {
        endpointId: p.endpointId,
        unitPriceUsd: a.unitPriceUsd,
        source: a.source,
        ...(a.fetchedAt === undefined ? {} : { fetchedAt: a.fetchedAt }),
      };
    return a?.note === undefined ? p : { ...p, note: a.note };
  });
}

/** Jobs with the price of their endpoint from `prices` (a job whose endpoint has none keeps its own). Pure. */
export function repriceJobs(jobs: readonly Job[], prices: readonly EndpointPrice[]): Job[] {
  const by = new Map(prices.map((p) => [p.endpointId, p.unitPriceUsd]));
  return jobs.map((j) => {
    const usd = by.get(j.endpoint.id);
    return usd === undefined || usd === j.pricePerImageUsd ? j : { ...j, pricePerImageUsd: usd };
  });
}

/** The plan with `prices` (see `settlePrices`): each job's price and the estimated cost follow them. Pure. */
export function repricePlan(plan: Plan, prices: readonly EndpointPrice[]): Plan {
  const jobs = repriceJobs(plan.jobs, prices);
  return { ...plan, jobs, prices, estimatedCostUsd: costRange(jobs) };
}
