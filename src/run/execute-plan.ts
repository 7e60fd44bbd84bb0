import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import { type Clock, systemClock } from "../clock.js";
import { type EditClient, OutageGate, type RequestHistory, type Traffic } from "../fal/index.js";
import { OutcomeSpool } from "../journal/outcome-spool.js";
import type { UploadCache } from "../journal/upload-cache.js";
import { type Logger, silentLogger } from "../log/logger.js";
import type { HistoryTrust } from "../model/doubt.js";
import type { Outcomes } from "../model/job-outcome.js";
import type { JobPhase } from "../model/job-phase.js";
import type { Plan } from "../plan/index.js";
import { RenderPool } from "../render/render-pool.js";
import { Budget, openBudget } from "./budget.js";
import { RUN_DEFAULTS } from "./defaults.js";
import type { InFlight, JobContext, JobHooks, JournalLike } from "./job-context.js";
import { runWindowed } from "./job-window.js";
import { NightRenders } from "./night-renders.js";
import { Progress, type ProgressSnapshot } from "./progress.js";
import { Reconciler } from "./reconcile.js";
import type { CallRetry } from "./retry-call.js";
import type { RunConfig } from "./run-config.js";
import { runJob } from "./run-job.js";
import { journalWatch, type RunEnd, RunStop, saysUnwritable, unwritableCause } from "./run-stop.js";
import { type ConcurrencySummary, Scheduler } from "./scheduler.js";
import { type UploadResults, uploadInputs } from "./upload-inputs.js";

/** What the engine reads of the run's configuration (see `runConfig`). */
export type EngineConfig = Pick<
  RunConfig,
  | "concurrency"
  | "maxConcurrency"
  | "maxCostUsd"
  | "retry"
  | "jobTimeoutMs"
  | "startTimeoutMs"
  | "maxRunTimeMs"
  | "mediaLifetimeMs"
  | "storeIo"
  | "deadlineAt"
  | "deadlineAction"
  | "outageTimeoutMs"
  | "renderPool"
  | "retryFailed"
>;

/** fal as the run reaches it. */
export interface EngineFal {
  readonly client: EditClient;
  /**
   * The gate and observer the client's calls pass through (see `createEditClient`), with the
   * run's outage gate (see `outageGate`).
   */
  readonly traffic: Traffic;
  /** Where fal traffic goes (`fal`, or a base URL): result files are downloaded from there only. */
  readonly target: string;
  /** fal's request history, where submits in doubt are looked up; absent, they stay in doubt. */
  readonly history?: RequestHistory;
  /** What `doctor --live` verified of that history (see `ReconcilerOptions.trust`). */
  readonly historyTrust?: HistoryTrust;
  /** Request ids that are already some job's (from the journal): never given to a doubt. */
  readonly knownRequests?: Iterable<string>;
  /** fetch for result downloads and upload checks (with a base URL, one that sends fal's CDN there too). */
  readonly downloadFetch: typeof fetch;
}

/** What the run reads and keeps in the output folder, and what earlier runs left there. */
export interface EngineState {
  /** The pipeline's output folder (`<output root>/<name>`). */
  readonly outputDir: string;
  /** The run journal; without it nothing is journaled (and nothing can be resumed). */
  readonly journal?: JournalLike;
  /** Input files' fal URLs from earlier runs (see `UploadCache`). */
  readonly uploadCache?: UploadCache;
  /** The phase each job starts in, from what earlier runs left (see `decideStart`). @default every job submits */
  readonly starts?: ReadonlyMap<string, JobPhase>;
}

/** Options of one run of a plan, one part per concern. */
export interface ExecuteOptions {
  /** The run's configuration, normalised once (`runConfig`). */
  readonly config: EngineConfig;
  readonly plan: Plan;
  readonly fal: EngineFal;
  readonly state: EngineState;
  /**
   * Whether this process renders what the run keeps (the config's `render`, unless `render`
   * processes are at work on the folder), or leaves it kept for `seedream-pipeline render`.
   */
  readonly render: boolean;
  readonly runId?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** @default Math.random */
  readonly random?: () => number;
  readonly hooks?: JobHooks | undefined;
  /** Aborts the run (SIGTERM/SIGINT): stop submitting, leave what runs at fal to the next run. */
  readonly signal?: AbortSignal | undefined;
  /** Told how the run goes: after every job that ends, and every 250 ms. */
  readonly onProgress?: ((progress: ProgressSnapshot) => void) | undefined;
}

export type { RunEnd } from "./run-stop.js";

/** What a run of the engine leaves: each job's outcome and how the run went, for the report. */
export interface ExecuteResult {
  readonly runId: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Each job's outcome by job id (an `OutcomeSpool`: read them before the next run). */
  readonly outcomes: Outcomes;
  readonly concurrency: ConcurrencySummary;
  readonly end: RunEnd;
  /** fal's message when the credentials were rejected. */
  readonly endMessage?: string;
}

/**
 * The starts from which a job may send a request: a result fetched but not kept (`delivering`)
 * is sent again when fal no longer serves its files, and needs its inputs then.
 */
const MAY_SEND: ReadonlySet<string> = new Set([
  "to-submit",
  "submitting",
  "submitted",
  "reconciling",
  "delivering",
]);

/** Uploads the local inputs of the jobs that may send a request (others need none). */
async function uploadNeeded(
  { plan, fal, state }: ExecuteOptions,
  retry: CallRetry,
  logger: Logger,
): Promise<UploadResults> {
  const needed = new Set(
    plan.jobs
      .filter((j) => {
        const kind = state.starts?.get(j.id)?.kind ?? "to-submit";
        return MAY_SEND.has(kind);
      })
      .flatMap((j) => j.images.flatMap((r) => (r.kind === "file" ? [r.sha256] : []))),
  );
  const { clock } = retry;
  return uploadInputs(
    plan.uploads.filter((u) => needed.has(u.sha256)),
    fal.client,
    4,
    logger,
    state.uploadCache
      ? {
          store: state.uploadCache,
          now: () => clock.now(),
          fetch: fal.downloadFetch,
        }
      : undefined,
    retry,
  );
}

/** An outage gate for a run's traffic, saying in the log when fal goes and comes back. */
export function outageGate(clock: Clock, logger: Logger): OutageGate {
  return new OutageGate({
    clock,
    onChange: (away) =>
      away
        ? logger.error("fal is not answering: nothing is submitted; probing with backoff until it answers")
        : logger.warn("fal answers again: resuming at full speed"),
  });
}

/** What stops the run: the budget, the deadline and the signal of `options` (see `RunStop`). */
function runStop(options: ExecuteOptions, logger: Logger, inFlight: Map<string, InFlight>, clock: Clock) {
  const { maxCostUsd, deadlineAt, deadlineAction } = options.config;
  const stop = new RunStop(
    logger,
    inFlight,
    maxCostUsd === undefined ? undefined : new Budget(maxCostUsd),
    options.fal.traffic.outage,
    options.signal,
  );
  if (deadlineAt !== undefined) stop.armDeadline(deadlineAt, deadlineAction, clock);
  return stop;
}

/**
 * Every 250 ms the scheduler re-decides (ceiling recovery and probes are decisions in time, not
 * only on events) and the progress is told; `tell` tells it at once.
 */
function ticking(
  scheduler: Scheduler,
  progress: Progress,
  clock: Clock,
  onProgress: ExecuteOptions["onProgress"],
  onTick: () => void,
): { tell: () => void; stop: () => void } {
  const tell = () => {
    const s = scheduler.controller.snapshot();
    onProgress?.(progress.snapshot(clock.now(), s.running, s.queued));
  };
  const tick = setInterval(() => {
    scheduler.changed();
    onTick();
    tell();
  }, 250);
  return { tell, stop: () => clearInterval(tick) };
}

/**
 * Runs every job of a plan through fal: the scheduler holds the requests in flight, each job
 * goes through its phases (`runJob`); the outcomes are returned for the report (written by
 * the pipeline above). A failed job never stops the others; rejected credentials, the deadline, the
 * budget and a signal stop all submitting (see `RunStop`).
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  // Just over 60 lines: the run's loop in order (scheduler, stop conditions, jobs, finish).
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const random = options.random ?? Math.random;
  const { plan, config } = options;
  const startedAt = clock.now();
  const runId =
    options.runId ?? `${new Date(startedAt).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  const scheduler = new Scheduler(clock, options.fal.traffic, config);
  const progress = new Progress(plan.jobs.length, startedAt);
  const gate = options.fal.traffic.outage;
  if (!gate)
    throw new TypeError("executePlan: the traffic must carry the run's outage gate (see outageGate)");
  // Before anything that must be stopped: a folder where it cannot be made fails the run here.
  const outcomes = new OutcomeSpool(options.state.outputDir, (cause) => {
    logger.warn({ cause }, "could not write an outcome to .state/: it is kept in memory");
    if (saysUnwritable(cause)) stop.unwritable(cause);
  });
  const { tell: tellProgress, stop: stopTicking } = ticking(
    scheduler,
    progress,
    clock,
    options.onProgress,
    () => stop.outage(gate, config.outageTimeoutMs, clock.now()),
  );
  logger.info(
    {
      runId,
      jobs: plan.jobs.length,
      uploads: plan.uploads.length,
      concurrency: config.concurrency,
    },
    "run started",
  );
  const inFlight = new Map<string, InFlight>();
  const stop = runStop(options, logger, inFlight, clock);
  options.state.journal?.watch?.(journalWatch(stop, logger, plan.jobs));
  const pool = new RenderPool(config.renderPool);
  const renders = !options.render
    ? undefined
    : new NightRenders(pool, {
        outputDir: options.state.outputDir,
        journal: options.state.journal,
        logger,
        progress,
        outcomes,
        changed: () => {},
        failed: (error) => {
          const cause = unwritableCause(error);
          if (cause !== undefined) stop.unwritable(cause);
        },
      });
  // An interrupt or the deadline stops rendering too: what waits stays kept, for the next run or `render`.
  const stopRendering = () => pool.stop();
  options.signal?.addEventListener("abort", stopRendering, { once: true });
  const renderEnd = new AbortController();
  if (config.deadlineAt !== undefined)
    clock.sleep(Math.max(0, config.deadlineAt - clock.now()), renderEnd.signal).then(() => {
      if (!renderEnd.signal.aborted) stopRendering();
    });
  try {
    if (stop.budget) openBudget(stop.budget, plan.jobs, options.state.starts, logger);
    // Nothing is uploaded for a run that cannot send anything (the budget cannot pay for one job).
    const uploads =
      stop.reason() === undefined
        ? await uploadNeeded(
            options,
            { clock, random, policy: config.retry, falAway: () => gate.away, signal: stop.signal },
            logger,
          )
        : new Map();
    for (const r of uploads.values())
      if ("failure" in r && r.failure.kind === "auth") stop.fatal(r.failure.message);
    const ctx = jobContext(options, { clock, logger, random, scheduler, stop, inFlight, uploads, gate });
    // The jobs at fal, and as many again waiting for a slot or being delivered (see runWindowed).
    const room = () => scheduler.concurrency + Math.max(RUN_DEFAULTS.deliveryRoom, scheduler.concurrency);
    await runWindowed(plan.jobs, room, async (job) => {
      const outcome = await runJob(job, ctx, options.state.starts?.get(job.id));
      const message =
        "error" in outcome ? (outcome as { error?: { message?: string } }).error?.message : undefined;
      if (message !== undefined && saysUnwritable(message)) stop.unwritable(message);
      outcomes.set(job.id, outcome);
      progress.ended(outcome, job.pricePerImageUsd);
      tellProgress();
      // Waits only while the render backlog is full: fal's window never waits for rendering.
      await renders?.take(job, outcome);
    });
    if (renders && pool.waiting + pool.running > 0)
      logger.info({ images: pool.waiting + pool.running }, "fal's part is over; rendering what is left");
    await pool.idle();
  } finally {
    stopTicking();
    stop.dispose();
    renderEnd.abort();
    options.signal?.removeEventListener("abort", stopRendering);
  }
  const { end, message } = stop.end;
  return {
    runId,
    startedAt,
    finishedAt: clock.now(),
    outcomes,
    concurrency: scheduler.summary(),
    end,
    ...(message === undefined ? {} : { endMessage: message }),
  };
}

/** What every job of the run shares. */
function jobContext(
  { config, fal, state, hooks }: ExecuteOptions,
  run: {
    clock: Clock;
    logger: Logger;
    random: () => number;
    scheduler: Scheduler;
    stop: RunStop;
    inFlight: Map<string, InFlight>;
    uploads: UploadResults;
    gate: OutageGate;
  },
): JobContext {
  const { clock, logger, random, scheduler, stop, inFlight, uploads, gate } = run;
  const reconciler = new Reconciler({
    history: fal.history,
    clock,
    ...(fal.historyTrust ? { trust: fal.historyTrust } : {}),
  });
  for (const request of fal.knownRequests ?? []) reconciler.claim(request);
  return {
    fal: {
      client: fal.client,
      history: fal.history,
      reconciler,
      target: fal.target,
      downloadFetch: fal.downloadFetch,
      storage: { mediaLifetimeS: config.mediaLifetimeMs / 1000, storeIo: config.storeIo },
      bounds: { startTimeoutS: config.startTimeoutMs / 1000, maxRunTimeMs: config.maxRunTimeMs },
      gate,
    },
    state: { journal: state.journal, uploads, outputDir: state.outputDir },
    stop,
    limits: {
      retry: config.retry,
      jobTimeoutMs: config.jobTimeoutMs,
      sendInDoubt: config.retryFailed,
      inFlight,
    },
    pools: { slots: scheduler, io: pLimit(4), cpu: pLimit(availableParallelism()) },
    clock,
    logger,
    random,
    hooks: hooks ?? {},
  };
}
