import { DEFAULT_RENDER_BACKLOG } from "../render/render-pool.js";
import { DEFAULT_RETRY } from "./retry-policy.js";

/**
 * Every default of a run, in one place: `runConfig` applies them, and the CLI shows them as its
 * options' defaults, so the two cannot drift apart. Imports nothing heavy: the CLI reads it
 * before any command is loaded.
 */
export const RUN_DEFAULTS = {
  /** Where the pipeline's folder is made. */
  outputRoot: "output",
  /** Requests in flight when neither the run nor the manifest sets it: follow the account's capacity. */
  concurrency: "auto",
  /** The most requests in flight `auto` may choose. */
  maxConcurrency: 48,
  /** fal's bound on time queued before processing starts (`x-fal-request-timeout`), in ms. */
  startTimeoutMs: 600_000,
  /** The longest a request runs at fal once started (and is then listed in its history), in ms. */
  maxRunTimeMs: 600_000,
  /**
   * How long fal keeps a request's generated files (`X-Fal-Object-Lifecycle-Preference`), in ms:
   * two weeks of missed nights, for a later run to collect the results of one cut short.
   */
  mediaLifetimeMs: 14 * 86_400_000,
  /** A status stream silent this long (fal sends a keep-alive at least every 15 s) is polled instead, in ms. */
  streamSilenceMs: 45_000,
  /** fal away this long ends the run (`ended_by: "fal_unavailable"`), in ms. */
  outageTimeoutMs: 600_000,
  /** At the deadline, running requests finish (or are canceled with `cancel`). */
  deadlineAction: "finish",
  /** Run records kept in `runs/`. */
  keepRuns: 30,
  /** Attempts of one step, new submits after fal's own failures, and the backoff between. */
  retry: DEFAULT_RETRY,
  /** Images kept and waiting to be rendered, at most, before delivery waits. */
  renderBacklog: DEFAULT_RENDER_BACKLOG,
  /**
   * Jobs admitted beyond those fal's slots hold: ready to take a slot the moment one frees, or
   * delivering their results. When delivery falls behind they fill this room and nothing more is
   * admitted until it catches up.
   */
  deliveryRoom: 32,
} as const;
