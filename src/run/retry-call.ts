import type { Clock } from "../clock.js";
import { describeFalError, FalUnavailableError } from "../fal/index.js";
import type { FalFailure, Stage } from "../model/failure.js";
import { backoffMs, classify, type RetryPolicy } from "./retry-policy.js";

/** What retrying a fal call outside a job's steps (an input upload, a cancel) takes from the run. */
export interface CallRetry {
  readonly clock: Clock;
  readonly random: () => number;
  readonly policy: RetryPolicy;
  /**
   * Whether fal counts as away (the outage gate): a failure then spends no attempt, nor does a
   * 429. Absent, every failure spends one (a cancel sent as the run stops must not wait long).
   */
  readonly falAway?: () => boolean;
  /** Ends the backoff between attempts (the run stopping); the last failure then stands. */
  readonly signal?: AbortSignal;
}

/** 429s or outage failures one call may meet before it fails: high, since each waited at the gate. */
const MAX_HELD = 100;

/**
 * Calls `call` until it succeeds, fails for good (`classify`), or has failed `policy.maxAttempts`
 * times, backing off on the run's clock between (`onRetry` is told of each failure about to be
 * retried); rethrows the last failure. As in a job's steps (with `falAway`), a 429 (the gate
 * waited for its `Retry-After`) or a failure while fal is away (the gate paces the probes) spends
 * no attempt; a closed gate (the run gave up on fal) ends it at once.
 */
export async function retryCall<T>(
  stage: Stage,
  call: () => Promise<T>,
  retry: CallRetry,
  onRetry?: (attempt: number, failure: FalFailure) => void,
): Promise<T> {
  let held = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof FalUnavailableError || retry.signal?.aborted) throw error;
      const failure = describeFalError(error);
      if (classify({ stage, failure }) !== "retryable") throw error;
      if (retry.falAway && (failure.status === 429 || retry.falAway()) && held < MAX_HELD) {
        held += 1;
        attempt -= 1;
        continue;
      }
      if (attempt >= retry.policy.maxAttempts) throw error;
      onRetry?.(attempt, failure);
      await retry.clock.sleep(backoffMs(attempt, retry.random, retry.policy), retry.signal);
      // The sleep ends early when the run stops: nothing more is sent after it.
      if (retry.signal?.aborted) throw error;
    }
  }
}
