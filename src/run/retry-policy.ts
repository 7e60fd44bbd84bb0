/**
 * The policy of the runner's one retry layer. A failed fal call is tried again by the runner
 * under it (`JobSteps.retrying`, `followRequest`, `retryCall` for uploads and cancels), never
 * inside `@fal-ai/client`, whose own retries are off (`src/fal/one-send.ts`): the runner's retry
 * waits on the injected clock, behind the outage gate and the account-wide `Retry-After` gate
 * (capped), is counted in the report, and a submit is journaled at each send. The client's slept
 * for real, read no `Retry-After`, and resent submits that only a fetch hook could journal.
 */
import type { FailureClass, FalFailure, Stage } from "../model/failure.js";

/** A failure as the policy sees it. */
export interface FailureFacts {
  readonly stage: Stage;
  readonly failure: FalFailure | { readonly kind: "output"; readonly message: string };
  /** fal's `error_type` for a request that completed with an error. */
  readonly errorType?: string;
}

/** fal error types of a request that failed for reasons of fal's own, worth a new request. */
const RETRYABLE_ERROR_TYPES = new Set([
  "runner_error",
  "internal_error",
  "runner_disconnected",
  "runner_connection_error",
]);
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The one classification of failures: retryable (429, 502/503/504, resets, timeouts, a broken
 * download), permanent (422 validation, content policy, other 4xx, a request that waited past
 * its start timeout), or fatal for the run (401/403).
 */
export function classify(facts: FailureFacts): FailureClass {
  const f = facts.failure;
  if (f.kind === "output") return "retryable";
  // fal's answer broke one of the runner's rules: the same answer would come again.
  if (f.kind === "refused") return "permanent";
  if (f.kind === "auth" || f.status === 401 || f.status === 403) return "fatal";
  // fal may have accepted it: sending it again could pay twice.
  if (f.kind === "in-doubt") return "permanent";
  if (facts.errorType !== undefined) {
    if (RETRYABLE_ERROR_TYPES.has(facts.errorType)) return "retryable";
    return "permanent";
  }
  if (f.kind === "network") return "retryable";
  if (f.kind === "validation") return "permanent";
  return f.status !== undefined && RETRYABLE_STATUS.has(f.status) ? "retryable" : "permanent";
}

/**
 * Whether a failure means the request itself failed at fal, so only a new submit (a new
 * request, which fal does not bill for a 5xx failure) can finish the job. A failed status
 * call, result call or download is retried on the same request instead.
 */
export function needsResubmit(facts: FailureFacts): boolean {
  return facts.stage === "result" && facts.errorType !== undefined && classify(facts) === "retryable";
}

/** Bounds of retrying. */
export interface RetryPolicy {
  /** Attempts at one step (upload, submit, status, result, download, cancel) before it is given up. @default 5 */
  readonly maxAttempts: number;
  /** New requests for one job after fal reported the request failed. @default 2 */
  readonly maxResubmits: number;
  /** @default 1000 */
  readonly baseMs: number;
  /** @default 30000 */
  readonly capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, maxResubmits: 2, baseMs: 1000, capMs: 30_000 };

/** Full-jitter backoff before attempt `attempt` (1 = the first retry): uniform in [0, min(cap, base·2^(attempt-1))]. */
export function backoffMs(
  attempt: number,
  random: () => number,
  policy: RetryPolicy = DEFAULT_RETRY,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
