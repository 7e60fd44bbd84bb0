import type { FailureClass, FalFailure, Stage } from "./failure.js";
import type { SavedImage } from "./image-record.js";
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

/** Why a job failed, with the class the retry policy gave it. */
export type JobError = {
  readonly stage: Stage;
  readonly class: FailureClass;
  readonly errorType?: string;
} & (
  | FalFailure
  /** `earlier-run`: a failure the journal kept, known only by its message. */
  | { readonly kind: "output" | "timeout" | "deadline" | "earlier-run"; readonly message: string }
);

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
  readonly outcome: "succeeded" | "failed" | "unfinished" | "resubmitted" | "canceled";
  /** Why, when it did not succeed. */
  readonly cause?: string;
}

interface Tried {
  readonly attempts: readonly AttemptRecord[];
  readonly retries: readonly RetryRecord[];
}

/** How one job ended in this run. */
export type JobOutcome =
  | (Tried & {
      readonly status: "succeeded";
      readonly requestId: string;
      readonly imageUrls: readonly string[];
      /** The images rendered (the run's report and gallery list these only). */
      readonly outputs: readonly SavedImage[];
      /** Images paid for and kept, not rendered yet (the next `run` or `render` renders them). */
      readonly unrendered?: readonly PendingRender[];
      readonly seed?: number;
      readonly timings: JobTimings;
    })
  | (Tried & {
      readonly status: "failed";
      readonly requestId?: string;
      readonly imageUrls: readonly string[];
      readonly error: JobError;
      readonly timings: JobTimings;
    })
  /** Its last try failed for a cause that is not permanent: the next run takes it up by itself. */
  | (Tried & {
      readonly status: "unfinished";
      readonly requestId?: string;
      readonly imageUrls: readonly string[];
      readonly error: JobError;
      readonly timings: JobTimings;
    })
  | (Tried & {
      readonly status: "canceled";
      readonly requestId?: string;
      readonly imageUrls: readonly string[];
      readonly reason: string;
      readonly timings: JobTimings;
    })
  | {
      readonly status: "skipped";
      readonly reason: string;
      readonly requestId?: string;
      readonly outputs: readonly SavedImage[];
      readonly unrendered?: readonly PendingRender[];
    }
  | { readonly status: "not_run"; readonly reason: string; readonly requestId?: string };

/** Each job's outcome by job id, as the report reads them (a Map, or the run's `OutcomeSpool`). */
export type Outcomes = Pick<ReadonlyMap<string, JobOutcome>, "get">;
