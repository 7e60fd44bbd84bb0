import type { Clock } from "../clock.js";
import type { EditClient, RequestHistory } from "../fal/index.js";
import type { NewEntry } from "../journal/journal.js";
import type { Logger } from "../log/logger.js";
import type { ReconcileBounds } from "../model/doubt.js";
import type { Job } from "../plan/index.js";
import type { ConcurrencyController } from "./controller.js";
import type { Reconciler } from "./reconcile.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { UploadResults } from "./upload-inputs.js";

/** A request of ours at fal, as the scheduler tracks it for deadlines and stops. */
export interface InFlight {
  readonly requestId: string;
  state: "queued" | "running";
  /** Aborts the wait; the job then cancels the request at fal (or, detached, leaves it running there). */
  readonly abort: (reason: string, detach?: boolean) => void;
}

/** Things the run is told as jobs move (tests and progress listen here). */
export interface JobHooks {
  /** A request was accepted by fal; called the moment submit returns. */
  submitted?(job: Job, requestId: string, at: number): void | Promise<void>;
}

/** What every submit asks of fal's storage: how long its files live, whether its payloads are kept. */
export interface FalStorage {
  /** `X-Fal-Object-Lifecycle-Preference`, in seconds; absent, the account's default. */
  readonly mediaLifetimeS?: number;
  /** false sends `X-Fal-Store-IO: 0`. */
  readonly storeIo?: boolean;
}

/** What the journal needs to hear; absent, nothing is journaled. */
export interface JournalLike {
  /** Writes and fsyncs before returning: for a line that must be on disk before a send leaves. */
  appendNow(entry: NewEntry): void;
  /** Resolves once the line is on disk; the step it records waits for that. */
  append(entry: NewEntry): Promise<void>;
}

/** Spend control: cost is reserved before each submit, so parallel submits cannot overshoot. */
export interface BudgetLike {
  /** Reserves the most this job can cost; false when that would pass the cap. */
  reserve(job: Job): boolean;
  /** Replaces the reservation with what the job cost (images × price). */
  settle(job: Job, images: number): void;
  /** The job ends with a request fal may still bill (left at fal, or in doubt): the most it can cost stays spent. */
  keep(job: Job): void;
}

/** What running one job needs from the run around it. */
export interface JobContext {
  readonly client: EditClient;
  readonly uploads: UploadResults;
  readonly outputDir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly retry: RetryPolicy;
  readonly controller: ConcurrencyController;
  /** Re-decides the concurrency after the controller learnt something. */
  readonly changed: () => void;
  /** Runs `fn` holding one of the in-flight slots at fal (p-limit). */
  readonly slot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Runs `fn` in the download and file pool, apart from fal's slots. */
  readonly io: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Runs image work (decode, resize, encode) in a pool sized to the cores. */
  readonly cpu: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Why nothing more may be submitted, once the run stops (deadline, rejected key, signal). */
  readonly stopReason: () => string | undefined;
  /** Whether the run stopped only because the budget is spent: paid requests are still followed. */
  readonly stoppedByBudget: () => boolean;
  /** Aborts the moment the run stops (wakes what waits, e.g. a doubt waiting on its bound). */
  readonly stopSignal: AbortSignal;
  /** Whether fal is away (an outage): failed calls then spend no attempts, the gate holds them. */
  readonly falAway: () => boolean;
  /** The run is told fal rejected the credentials. */
  readonly onFatal: (message: string) => void;
  readonly inFlight: Map<string, InFlight>;
  /** Cancel a request at fal when no result came this long after submit. */
  readonly jobTimeoutMs: number | undefined;
  /** fal's bound on time queued (sent on every submit) and the longest run time: a doubt's bound. */
  readonly bounds: ReconcileBounds;
  /** fal's request history: what became of a request fal no longer serves. */
  readonly history: RequestHistory | undefined;
  /** Looks submits in doubt up in fal's request history. */
  readonly reconciler: Reconciler;
  /** `--retry-failed`: send a submit in doubt that fal's history cannot settle. */
  readonly sendInDoubt: boolean;
  readonly downloadFetch: typeof fetch | undefined;
  /** What every submit asks of fal's storage (see `SubmitOptions`). */
  readonly falStorage: FalStorage;
  /** Where fal traffic goes (`fal`, or a base URL): results are downloaded from there only (see `checkResultUrl`). */
  readonly falTarget: string;
  readonly hooks: JobHooks;
  readonly journal: JournalLike | undefined;
  readonly budget: BudgetLike | undefined;
}
