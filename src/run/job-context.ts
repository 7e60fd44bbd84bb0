import type { Clock } from "../clock.js";
import type { EditClient, RequestHistory } from "../fal/index.js";
import type { JournalWatch, NewEntry } from "../journal/journal.js";
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
  /**
   * Writes and fsyncs before returning: for a line that must be on disk before a send leaves.
   * false: it is not (the send must not leave).
   */
  appendNow(entry: NewEntry): boolean;
  /** Resolves once the line is on disk, or is known not to be (never rejects: see `watch`). */
  append(entry: NewEntry): Promise<void>;
  /** Told when a line cannot be written, and of each line lost. */
  watch?(watch: JournalWatch): void;
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

/** fal as the jobs reach it: where requests go, what finds them again, what each asks of fal. */
export interface FalSide {
  readonly client: EditClient;
  /** fal's request history: what became of a request fal no longer serves. */
  readonly history: RequestHistory | undefined;
  /** Looks submits in doubt up in fal's request history. */
  readonly reconciler: Reconciler;
  /** Where fal traffic goes (`fal`, or a base URL): results are downloaded from there only (see `checkResultUrl`). */
  readonly target: string;
  readonly downloadFetch: typeof fetch;
  /** What every submit asks of fal's storage (see `SubmitOptions`). */
  readonly storage: FalStorage;
  /** fal's bound on time queued (sent on every submit) and the longest run time: a doubt's bound. */
  readonly bounds: ReconcileBounds;
  /** The run's outage gate: while fal is away, failed calls spend no attempts (the gate holds them). */
  readonly gate: { readonly away: boolean };
}

/** What the run keeps and has: its journal, its uploaded inputs, its output folder. */
export interface RunState {
  readonly journal: JournalLike | undefined;
  /** Each local input's fal URL (or why it has none), by its sha256. */
  readonly uploads: UploadResults;
  readonly outputDir: string;
}

/** Why the run stops submitting, once it does (see `RunStop`). */
export interface StopLike {
  /** Why nothing more may be submitted, once the run stops (deadline, rejected key, signal). */
  reason(): string | undefined;
  /** Whether the run stopped only because the budget is spent: paid requests are still followed. */
  byBudget(): boolean;
  /** Aborts the moment the run stops (wakes what waits, e.g. a doubt waiting on its bound). */
  readonly signal: AbortSignal;
  /** The run is told fal rejected the credentials. */
  fatal(message: string): void;
  /** An output write failed for want of room or rights: nothing more is submitted. */
  unwritable(cause: string): void;
  /** The spend control, when the run has a cap. */
  readonly budget: BudgetLike | undefined;
}

/** How far one job goes: its attempts, its time at fal, and the requests the run can reach. */
export interface JobLimits {
  readonly retry: RetryPolicy;
  /** Cancel a request at fal when no result came this long after submit. */
  readonly jobTimeoutMs: number | undefined;
  /** `--retry-failed`: send a submit in doubt that fal's history cannot settle. */
  readonly sendInDoubt: boolean;
  /** Each job's request at fal, for the deadline and interrupts to reach. */
  readonly inFlight: Map<string, InFlight>;
}

/** The run's fal slots and the concurrency controller that sizes them (see `Scheduler`). */
export interface FalSlots {
  readonly controller: ConcurrencyController;
  /** Re-decides the concurrency after the controller learnt something. */
  changed(): void;
  /** Runs `fn` holding one of the in-flight slots at fal. */
  slot<T>(fn: () => Promise<T>): Promise<T>;
}

/** Runs `fn` in a pool, once a place in it is free. */
export type Pool = <T>(fn: () => Promise<T>) => Promise<T>;

/** Where a job's work waits for its turn. */
export interface Pools {
  readonly slots: FalSlots;
  /** Downloads and files, apart from fal's slots. */
  readonly io: Pool;
  /** Image work (decode, hash), sized to the cores. */
  readonly cpu: Pool;
}

/** What running one job needs from the run around it, one interface per concern. */
export interface JobContext {
  readonly fal: FalSide;
  readonly state: RunState;
  readonly stop: StopLike;
  readonly limits: JobLimits;
  readonly pools: Pools;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly hooks: JobHooks;
}
