/**
 * What can go wrong in a job, in the words every layer shares: the stage a failure happened in,
 * the class the retry policy gives it, and a fal call's failure as data.
 */

/** Where in a job's life a failure happened. */
export type Stage = "upload" | "submit" | "status" | "result" | "download" | "write" | "timeout" | "deadline";

/** What to do about a failure. */
export type FailureClass =
  /** Try the same step again after a backoff (never a new submit unless `resubmit`). */
  | "retryable"
  /** The job fails with this cause; trying again would give the same answer. */
  | "permanent"
  /** The whole run stops submitting (rejected credentials). */
  | "fatal";

/** What went wrong in one fal call, as data for the report. */
export interface FalFailure {
  /** `refused`: fal's answer broke one of the runner's rules (see `FalAnswerRefusedError`). */
  readonly kind: "validation" | "auth" | "http" | "network" | "in-doubt" | "refused";
  readonly status?: number;
  readonly message: string;
  readonly requestId?: string;
  /** fal's `detail`, verbatim (422 field errors). */
  readonly detail?: unknown;
  /** fal's `error_type` (body or `X-Fal-Error-Type`). */
  readonly errorType?: string;
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
