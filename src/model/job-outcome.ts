import type { JobError, Stage } from "./failure.js";
import type { SavedImage } from "./image-record.js";
import type { EndPhase, EndStatus, OutcomeStatus } from "./job-phase.js";
import type { PendingRender } from "./kept-image.js";

/** When each step of a job happened, in epoch milliseconds from the run's clock. */
export interface JobTimings {
  readonly submittedAt?: number;
  /** When the job was first seen IN_PROGRESS at fal. */
  readonly startedAt?: number;
  /** When fal's COMPLETED was seen. */
  readonly completedAt?: number;
  readonly finishedAt: number;
}

/** One step retried without a new submit (a status call, a result call, a download). */
export interface RetryRecord {
  readonly stage: Stage;
  readonly attempt: number;
  readonly cause: string;
  readonly at: number;
}

/** One request sent to fal for the job. */
export interface AttemptRecord {
  readonly requestId: string;
  readonly submittedAt: number;
  /** How this request ended for the job. */
  readonly outcome: TriedOutcome["status"] | "resubmitted";
  /** Why, when it did not succeed. */
  readonly cause?: string;
}

interface Tried {
  readonly attempts: readonly AttemptRecord[];
  readonly retries: readonly RetryRecord[];
}

/** What an outcome of each status carries. */
interface OutcomeFields {
  readonly succeeded: Tried & {
    readonly requestId: string;
    readonly imageUrls: readonly string[];
    /** The images rendered (the run's report and gallery list these only). */
    readonly outputs: readonly SavedImage[];
    /** Images paid for and kept, not rendered yet (the next `run` or `render` renders them). */
    readonly unrendered?: readonly PendingRender[];
    readonly seed?: number;
    readonly timings: JobTimings;
  };
  readonly failed: Tried & {
    readonly requestId?: string;
    readonly imageUrls: readonly string[];
    readonly error: JobError;
    readonly timings: JobTimings;
  };
  /** Its last try failed for a cause that is not permanent: the next run takes it up by itself. */
  readonly unfinished: Tried & {
    readonly requestId?: string;
    readonly imageUrls: readonly string[];
    readonly error: JobError;
    readonly timings: JobTimings;
  };
  readonly canceled: Tried & {
    readonly requestId?: string;
    readonly imageUrls: readonly string[];
    readonly reason: string;
    readonly timings: JobTimings;
  };
  readonly skipped: {
    readonly reason: string;
    readonly requestId?: string;
    readonly outputs: readonly SavedImage[];
    readonly unrendered?: readonly PendingRender[];
  };
  readonly not_run: { readonly reason: string; readonly requestId?: string };
}

/**
 * How one job ended in this run: one member per outcome status (the statuses the end phases
 * say, `OutcomeStatus`), each with only what it has.
 */
export type JobOutcome = {
  [S in OutcomeStatus]: { readonly status: S } & OutcomeFields[S];
}[OutcomeStatus];

/** Each job's outcome by job id, as the report reads them (a Map, or the run's `OutcomeSpool`). */
export type Outcomes = Pick<ReadonlyMap<string, JobOutcome>, "get">;

/** The outcome of a job that sent a request in this run (it has attempts, retries and timings). */
export type TriedOutcome = Extract<JobOutcome, Tried>;

/** The outcome of a job whose run ends in a phase of kind `K`: one of the statuses its row of the vocabulary lists. */
export type OutcomeFor<K extends EndPhase["kind"]> = Extract<JobOutcome, { status: EndStatus<K> }>;
