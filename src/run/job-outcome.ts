import type { FalFailure } from "../fal/index.js";
import type { SavedImage } from "../outputs/index.js";

/** When each step of a job happened, in epoch milliseconds from the run's clock. */
export interface JobTimings {
  readonly submittedAt?: number;
  /** When the job was first seen IN_PROGRESS at fal. */
  readonly startedAt?: number;
  /** When fal's COMPLETED was seen. */
  readonly completedAt?: number;
  readonly finishedAt: number;
}

/** Why a job failed: a fal call's failure, or our own (download, decode, write). */
export type JobError =
  | ({ readonly stage: "upload" | "submit" | "status" | "result" } & FalFailure)
  | { readonly stage: "download" | "write"; readonly kind: "output"; readonly message: string };

/** How one job ended in this run. */
export type JobOutcome =
  | {
      readonly status: "succeeded";
      readonly requestId: string;
      readonly imageUrls: readonly string[];
      readonly outputs: readonly SavedImage[];
      readonly seed?: number;
      readonly timings: JobTimings;
    }
  | {
      readonly status: "failed";
      readonly requestId?: string;
      readonly imageUrls: readonly string[];
      readonly error: JobError;
      readonly timings: JobTimings;
    }
  | { readonly status: "not_run"; readonly reason: string };
