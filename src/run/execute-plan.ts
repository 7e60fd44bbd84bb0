import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { type Clock, systemClock } from "../clock.js";
import type { EditClient, Traffic } from "../fal/index.js";
import { type Logger, silentLogger } from "../log/logger.js";
import { writeRunReports } from "../outputs/index.js";
import type { Plan } from "../plan/index.js";
import { buildReport, type Report } from "../report/index.js";
import { Budget } from "./budget.js";
import { ConcurrencyController } from "./controller.js";
import type { InFlight, JobContext, JobHooks, JournalLike } from "./job-context.js";
import type { JobOutcome } from "./job-outcome.js";
import { Progress, type ProgressSnapshot } from "./progress.js";
import type { Start } from "./resume.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry-policy.js";
import { runJob } from "./run-job.js";
import type { UploadCache } from "./upload-cache.js";
import { uploadInputs } from "./upload-inputs.js";

/** Options of one run of a plan. */
export interface ExecuteOptions {
  readonly plan: Plan;
  /** The manifest path as the user gave it, for the report. */
  readonly manifestPath: string;
  /** The pipeline's output folder (`<output root>/<name>`). */
  readonly outputDir: string;
  readonly client: EditClient;
  /** The gate and observer the client's calls pass through (see `createEditClient`). */
  readonly traffic: Traffic;
  /**
   * Requests in flight at fal: `auto` follows the account's capacity, a number fixes it.
   * @default "auto"
   */
  readonly concurrency?: number | "auto";
  /** Most in flight `auto` may choose. @default 48 */
  readonly maxConcurrency?: number;
  /** Where `auto` starts. @default 2 */
  readonly initialConcurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Cancel a request at fal when it has no result this long after submit. */
  readonly jobTimeoutMs?: number;
  /** fal's bound on time queued before processing starts, in seconds (`x-fal-request-timeout`). */
  readonly startTimeoutS?: number;
  /** When the run must end (epoch ms): stop submitting, cancel what waits at fal. */
  readonly deadlineAt?: number;
  /** At the deadline, let running requests finish (default) or cancel them too. */
  readonly deadlineAction?: "finish" | "cancel";
  /** Where fal traffic went, for the report: `fal` or a base URL. */
  readonly falTarget: string;
  readonly logger?: Logger;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  readonly runId?: string;
  /** fetch for result downloads. @default globalThis.fetch */
  readonly downloadFetch?: typeof fetch;
  readonly hooks?: JobHooks;
  /** Told of every concurrency decision, for progress and the benchmark. */
  readonly onTarget?: (target: number, at: number) => void;
  /** How each job starts, from what earlier runs left (see `decideStart`). @default every job submits */
  readonly starts?: ReadonlyMap<string, Start>;
  /** The run journal; without it nothing is journaled (and nothing can be resumed). */
  readonly journal?: JournalLike;
  /** Stop submitting once this much could be spent (USD). */
  readonly maxCostUsd?: number;
  /** Aborts the run (SIGTERM/SIGINT): stop submitting, leave what runs at fal to the next run. */
  readonly signal?: AbortSignal;
  /** Told how the run goes: after every job that ends, and every 250 ms. */
  readonly onProgress?: (progress: ProgressSnapshot) => void;
  /** Input files' fal URLs from earlier runs (see `UploadCache`). */
  readonly uploadCache?: UploadCache;
  /** Run records kept in `runs/` (the oldest beyond are removed). @default 30 */
  readonly keepRuns?: number;
  /** Each job's status history across runs, for the report. */
  readonly history?: () => Promise<
    ReadonlyMap<string, ReadonlyArray<{ at: number; phase: string; request?: string }>>
  >;
}

/** How a run ended, beyond each job's status. */
export type RunEnd = "completed" | "credentials_rejected" | "deadline" | "budget" | "interrupted";

export interface ExecuteResult {
  readonly report: Report;
  readonly end: RunEnd;
  /** fal's message when the credentials were rejected. */
  readonly endMessage?: string;
}

/**
 * Runs every job of a plan through fal: p-limit holds the requests in flight, and the
 * concurrency controller sets its limit from what fal tells about our requests. Images and
 * `report.json` go to `outputDir`. A failed job never stops the others; rejected credentials
 * and the deadline stop all submitting.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const { plan, traffic } = options;
  const startedAt = clock.now();
  const runId =
    options.runId ?? `${new Date(startedAt).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  const fixed = typeof options.concurrency === "number" ? options.concurrency : undefined;
  const controller = new ConcurrencyController({
    ...(fixed === undefined ? {} : { fixed }),
    ...(options.maxConcurrency === undefined ? {} : { max: options.maxConcurrency }),
    ...(options.initialConcurrency === undefined ? {} : { initial: options.initialConcurrency }),
  });
  const limit = pLimit(controller.decide(startedAt));
  let peakTarget = limit.concurrency;
  // The capacity learnt while jobs were still waiting to be sent (the drain at the end says
  // less): the most frequent estimate, which a momentary overcount (a start seen before the
  // finish that freed its slot) does not move.
  const learnt = new Map<number, number>();
  const changed = () => {
    const now = clock.now();
    const target = controller.decide(now);
    if (limit.pendingCount > 0) {
      const c = controller.snapshot().capacityEstimate;
      learnt.set(c, (learnt.get(c) ?? 0) + 1);
    }
    if (target !== limit.concurrency) {
      limit.concurrency = target;
      peakTarget = Math.max(peakTarget, target);
      options.onTarget?.(target, now);
    }
  };
  traffic.onCall((e) => {
    if (e.status === 429) {
      controller.rateLimited(e.at, e.sentAt);
      changed();
    }
  });
  const progress = new Progress(plan.jobs.length, startedAt);
  const tellProgress = () => {
    const s = controller.snapshot();
    options.onProgress?.(progress.snapshot(clock.now(), s.running, s.queued));
  };
  // Ceiling recovery and probes are decisions in time, not only on events.
  const tick = setInterval(() => {
    changed();
    tellProgress();
  }, 250);
  logger.info(
    {
      runId,
      jobs: plan.jobs.length,
      uploads: plan.uploads.length,
      concurrency: options.concurrency ?? "auto",
    },
    "run started",
  );

  let stop: { end: RunEnd; reason: string; message?: string } | undefined;
  const inFlight = new Map<string, InFlight>();
  const onFatal = (message: string) => {
    if (stop) return;
    stop = {
      end: "credentials_rejected",
      reason: `not submitted: fal rejected the credentials (${message})`,
      message,
    };
    logger.error({ cause: message }, "fal rejected the credentials; nothing more is submitted");
  };
  let deadlineTimer: NodeJS.Timeout | undefined;
  if (options.deadlineAt !== undefined) {
    const atDeadline = () => {
      if (stop) return;
      stop = { end: "deadline", reason: "not submitted: the run's deadline passed" };
      logger.warn({ inFlight: inFlight.size }, "deadline: no more submits; canceling what waits at fal");
      for (const f of inFlight.values())
        if (f.state === "queued" || options.deadlineAction === "cancel") f.abort("the run's deadline passed");
    };
    deadlineTimer = setTimeout(atDeadline, Math.max(0, options.deadlineAt - clock.now()));
  }

  const onInterrupt = () => {
    if (stop?.end === "interrupted") return;
    stop = { end: "interrupted", reason: "not submitted: the run was interrupted" };
    logger.warn(
      { inFlight: inFlight.size },
      "interrupted: no more submits; what runs at fal is left to the next run",
    );
    for (const f of inFlight.values()) f.abort("the run was interrupted", true);
  };
  if (options.signal?.aborted) onInterrupt();
  options.signal?.addEventListener("abort", onInterrupt, { once: true });
  const budget = options.maxCostUsd === undefined ? undefined : new Budget(options.maxCostUsd);
  const stopReason = () => {
    if (!stop && budget?.exhausted) {
      stop = { end: "budget", reason: `not submitted: the budget of $${options.maxCostUsd} is spent` };
      logger.warn({ cap: options.maxCostUsd }, "budget reached: no more submits; what runs finishes");
    }
    return stop?.reason;
  };
  // Only jobs that will send a request need their inputs uploaded.
  const needed = new Set(
    plan.jobs
      .filter((j) => {
        const kind = options.starts?.get(j.id)?.kind ?? "submit";
        return kind === "submit" || kind === "attach";
      })
      .flatMap((j) => j.images.flatMap((r) => (r.kind === "file" ? [r.sha256] : []))),
  );
  const uploads = await uploadInputs(
    plan.uploads.filter((u) => needed.has(u.sha256)),
    options.client,
    4,
    logger,
    options.uploadCache
      ? {
          store: options.uploadCache,
          now: () => clock.now(),
          ...(options.downloadFetch ? { fetch: options.downloadFetch } : {}),
        }
      : undefined,
  );
  for (const r of uploads.values())
    if ("failure" in r && r.failure.kind === "auth") onFatal(r.failure.message);

  const io = pLimit(4);
  const cpu = pLimit(availableParallelism());
  const ctx: JobContext = {
    client: options.client,
    uploads,
    outputDir: options.outputDir,
    logger,
    clock,
    random: options.random ?? Math.random,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    controller,
    changed,
    slot: (fn) => limit(fn),
    io: (fn) => io(fn),
    cpu: (fn) => cpu(fn),
    stopReason,
    onFatal,
    inFlight,
    jobTimeoutMs: options.jobTimeoutMs,
    startTimeoutS: options.startTimeoutS,
    downloadFetch: options.downloadFetch,
    hooks: options.hooks ?? {},
    journal: options.journal,
    budget,
  };
  const outcomes = new Map<string, JobOutcome>();
  try {
    await Promise.all(
      plan.jobs.map(async (job) => {
        const outcome = await runJob(job, ctx, options.starts?.get(job.id));
        outcomes.set(job.id, outcome);
        progress.ended(outcome, job.pricePerImageUsd);
        tellProgress();
      }),
    );
  } finally {
    clearInterval(tick);
    if (deadlineTimer) clearTimeout(deadlineTimer);
    options.signal?.removeEventListener("abort", onInterrupt);
  }
  stopReason();

  const end: RunEnd = stop?.end ?? "completed";
  const report = buildReport(plan, outcomes, {
    runId,
    manifestPath: options.manifestPath,
    startedAt,
    finishedAt: clock.now(),
    falTarget: options.falTarget,
    concurrency: {
      mode: fixed === undefined ? "auto" : "fixed",
      peak: peakTarget,
      capacityEstimate:
        [...learnt].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ??
        controller.snapshot().capacityEstimate,
    },
    endedBy: end,
    calls: Object.fromEntries(traffic.counts),
    rateLimited: traffic.rateLimited,
    history: options.history ? await options.history() : new Map(),
  });
  await writeRunReports(options.outputDir, report, options.keepRuns);
  logger.info(
    { runId, endedBy: end, ...report.totals, report: join(options.outputDir, "report.json") },
    "run finished",
  );
  return { report, end, ...(stop?.message === undefined ? {} : { endMessage: stop.message }) };
}
