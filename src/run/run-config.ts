import { PipelineError } from "../errors.js";
import type { RenderPoolOptions } from "../render/render-pool.js";
import { RUN_DEFAULTS } from "./defaults.js";
import type { RetryPolicy } from "./retry-policy.js";

/**
 * What a caller may set of a run (`runPipeline`'s options, the CLI's flags): each field may be
 * left out (or `undefined`), its default is then `RUN_DEFAULTS`'. Durations are in ms.
 */
export interface RunSettings {
  /** Where the pipeline's folder is made. @default "output" */
  readonly outputRoot?: string | undefined;
  /** Requests in flight: `auto` or a number; overrides the manifest. @default the manifest's, else "auto" */
  readonly concurrency?: number | "auto" | undefined;
  /** The most requests in flight `auto` may choose. @default 48 */
  readonly maxConcurrency?: number | undefined;
  /** Stop submitting before the spend could pass this (USD); overrides the manifest's `max_cost_usd`. */
  readonly maxCostUsd?: number | undefined;
  /** Attempts, new submits after fal's own failures, and the backoff between. @default RUN_DEFAULTS.retry */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Cancel a request at fal when it has no result this long after submit. @default fal's bounds */
  readonly jobTimeoutMs?: number | undefined;
  /**
   * fal's bound on time queued before processing starts (`x-fal-request-timeout`, sent on every
   * submit so that a submit in doubt has a bound), rounded up to whole seconds. @default 600000
   */
  readonly startTimeoutMs?: number | undefined;
  /**
   * The longest a request runs at fal once started (and is then listed in its history): with
   * `startTimeoutMs`, how long a submit in doubt may still turn up at fal. It must cover fal's own
   * server-side retries and the delay before its history lists an ended request. @default 600000
   */
  readonly maxRunTimeMs?: number | undefined;
  /**
   * How long fal keeps each request's generated files (`X-Fal-Object-Lifecycle-Preference`),
   * rounded up to whole seconds: long enough for a later run to collect the results of a night
   * cut short. @default 14 days
   */
  readonly mediaLifetimeMs?: number | undefined;
  /**
   * false sends `X-Fal-Store-IO: 0`: fal keeps no payloads, so its request history cannot find a
   * submit in doubt by its input nor give a lost result's output; those wait for a person. @default true
   */
  readonly storeIo?: boolean | undefined;
  /**
   * A status stream silent this long (no event, no keep-alive; fal sends one at least every
   * 15 s) is given up and the request polled. @default 45000
   */
  readonly streamSilenceMs?: number | undefined;
  /** When the run must end (epoch ms): stop submitting, cancel what waits at fal. */
  readonly deadlineAt?: number | undefined;
  /** At the deadline, let running requests finish or cancel them too. @default "finish" */
  readonly deadlineAction?: "finish" | "cancel" | undefined;
  /**
   * End the run when fal stays away (every call failing for a transport reason or 502/503/504)
   * this long: `ended_by: "fal_unavailable"`, every unfinished job left for the next run. @default 600000
   */
  readonly outageTimeoutMs?: number | undefined;
  /**
   * Render kept images in this process, apart from delivery, or leave them kept for
   * `seedream-pipeline render` (`false`: e.g. render processes on other machines). @default true
   */
  readonly render?: boolean | undefined;
  /** The render pool's size and backlog bound (see `RenderPool`). @default the cores, 10,000 images */
  readonly renderPool?: RenderPoolOptions | undefined;
  /** Run records kept in `runs/` (the oldest beyond are removed). @default 30 */
  readonly keepRuns?: number | undefined;
  /** Forget what earlier runs left (the journal is kept aside) and start over. */
  readonly fresh?: boolean | undefined;
  /**
   * Set a damaged journal aside and go on with every line that passes the checks, keeping each
   * request a dropped line names (see `repairJournal`).
   */
  readonly repairJournal?: boolean | undefined;
  /** Regenerate every job, whatever is on disk. */
  readonly force?: boolean | undefined;
  /** Hash every output file, not only those whose size, mtime or inode changed. */
  readonly verify?: boolean | undefined;
  /** Send again the jobs an earlier run failed, and a submit in doubt fal's history cannot settle. */
  readonly retryFailed?: boolean | undefined;
}

/** Made whole: every field settled (ms everywhere), checked, and never changed after. */
type Settled<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };

/**
 * A run's configuration, normalised by `runConfig`: every default applied, durations in ms
 * (fal's second-counted ones already whole seconds), every value checked. What has no default
 * (a cost cap, a job timeout, a deadline) is `undefined` when not set.
 */
export interface RunConfig
  extends Settled<Omit<RunSettings, "maxCostUsd" | "jobTimeoutMs" | "deadlineAt" | "retry" | "renderPool">> {
  readonly maxCostUsd: number | undefined;
  readonly jobTimeoutMs: number | undefined;
  readonly deadlineAt: number | undefined;
  readonly retry: RetryPolicy;
  readonly renderPool: RenderPoolOptions & { readonly backlog: number };
}

/** What the manifest says of the run, for what the caller left to it. */
export interface ManifestLimits {
  readonly concurrency?: number | "auto" | undefined;
  readonly maxCostUsd?: number | undefined;
}

/** A bad value: one line naming the option and quoting what it was given. */
function refuse(name: string, expected: string, value: unknown): never {
  const quoted = typeof value === "number" ? String(value) : JSON.stringify(value);
  throw new PipelineError("USAGE", `run option ${name}: expected ${expected}, got ${quoted}`);
}

/** `value` checked to be a whole number within [min, max]. */
function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    refuse(name, `a whole number from ${min} to ${max}`, value);
  return value;
}

/** `value` checked to be a finite number of at least `min` (or above it, `above`). */
function atLeast<T extends number | undefined>(name: string, value: T, min: number, above = false): T {
  if (value !== undefined && (!Number.isFinite(value) || value < min || (above && value === min)))
    refuse(name, `a number ${above ? "above" : "of at least"} ${min}`, value);
  return value;
}

/** A duration fal counts in whole seconds (its headers), rounded up to one, in ms. */
const wholeSeconds = (ms: number) => Math.ceil(ms / 1000) * 1000;

function concurrencyOf(settings: RunSettings, manifest: ManifestLimits): number | "auto" {
  const concurrency = settings.concurrency ?? manifest.concurrency ?? RUN_DEFAULTS.concurrency;
  return concurrency === "auto" ? concurrency : whole("concurrency", concurrency, 1, 200);
}

function retryOf(retry: Partial<RetryPolicy> = {}): RetryPolicy {
  const d = RUN_DEFAULTS.retry;
  return {
    maxAttempts: whole("retry.maxAttempts", retry.maxAttempts ?? d.maxAttempts, 1, 20),
    maxResubmits: whole("retry.maxResubmits", retry.maxResubmits ?? d.maxResubmits, 0, 20),
    baseMs: atLeast("retry.baseMs", retry.baseMs ?? d.baseMs, 0),
    capMs: atLeast("retry.capMs", retry.capMs ?? d.capMs, 0),
  };
}

function renderPoolOf(pool: RenderPoolOptions = {}): RunConfig["renderPool"] {
  const backlog = whole("renderPool.backlog", pool.backlog ?? RUN_DEFAULTS.renderBacklog, 1, 10_000_000);
  if (pool.parallel === undefined) return { backlog };
  return { backlog, parallel: whole("renderPool.parallel", pool.parallel, 1, 1024) };
}

/**
 * The run's configuration from what the caller set and the manifest says: pure, and eager,
 * so a bad value stops the run before anything is written or sent, with one line quoting it.
 */
export function runConfig(settings: RunSettings, manifest: ManifestLimits = {}): RunConfig {
  const d = RUN_DEFAULTS;
  const action = settings.deadlineAction ?? d.deadlineAction;
  if (action !== "finish" && action !== "cancel") refuse("deadlineAction", '"finish" or "cancel"', action);
  return {
    outputRoot: settings.outputRoot ?? d.outputRoot,
    concurrency: concurrencyOf(settings, manifest),
    maxConcurrency: whole("maxConcurrency", settings.maxConcurrency ?? d.maxConcurrency, 1, 200),
    maxCostUsd: atLeast("maxCostUsd", settings.maxCostUsd ?? manifest.maxCostUsd, 0, true),
    retry: retryOf(settings.retry),
    jobTimeoutMs: atLeast("jobTimeoutMs", settings.jobTimeoutMs, 0, true),
    startTimeoutMs: wholeSeconds(
      atLeast("startTimeoutMs", settings.startTimeoutMs ?? d.startTimeoutMs, 1000, true),
    ),
    maxRunTimeMs: atLeast("maxRunTimeMs", settings.maxRunTimeMs ?? d.maxRunTimeMs, 0),
    mediaLifetimeMs: wholeSeconds(
      atLeast("mediaLifetimeMs", settings.mediaLifetimeMs ?? d.mediaLifetimeMs, 1000),
    ),
    storeIo: settings.storeIo ?? true,
    streamSilenceMs: atLeast("streamSilenceMs", settings.streamSilenceMs ?? d.streamSilenceMs, 1000),
    deadlineAt: atLeast("deadlineAt", settings.deadlineAt, 0),
    deadlineAction: action,
    outageTimeoutMs: atLeast("outageTimeoutMs", settings.outageTimeoutMs ?? d.outageTimeoutMs, 0),
    render: settings.render ?? true,
    renderPool: renderPoolOf(settings.renderPool),
    keepRuns: whole("keepRuns", settings.keepRuns ?? d.keepRuns, 1, 100_000),
    fresh: settings.fresh ?? false,
    repairJournal: settings.repairJournal ?? false,
    force: settings.force ?? false,
    verify: settings.verify ?? false,
    retryFailed: settings.retryFailed ?? false,
  };
}
