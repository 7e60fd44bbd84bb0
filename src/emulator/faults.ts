/** How the emulated gateway rate-limits: a token bucket over every queue and storage call. */
export interface RateLimitFault {
  /** Calls per second the bucket refills. */
  readonly perSecond: number;
  /** Bucket size (burst). @default perSecond */
  readonly burst?: number;
  /** How a 429 says when to come back. @default "seconds" */
  readonly retryAfter?: "seconds" | "date" | "none";
}

/**
 * Faults the emulator injects, each drawn from its seeded random numbers so a run repeats.
 * Probabilities are per call (or per request, for `failRequests`).
 */
export interface EmulatorFaults {
  readonly rateLimit?: RateLimitFault;
  /** Most requests waiting IN_QUEUE; a submit beyond it gets 429 (fal_max_queue_length). */
  readonly maxQueueLength?: number;
  /** Probability a status call (poll or stream open) answers 503. */
  readonly statusErrorRate?: number;
  /** Probability a result call answers 502. */
  readonly resultErrorRate?: number;
  /** Probability a status, result or cancel call's connection is reset before an answer. */
  readonly resetRate?: number;
  /** Probability a submit's connection is reset before it is processed (the client cannot know that). */
  readonly resetSubmitRate?: number;
  /** Probability a request completes with a retryable error (500 runner_error), not images. */
  readonly failRequests?: number;
  /** Probability a file download is cut short (the body ends before its Content-Length). */
  readonly truncateDownloads?: number;
  /** Extra real milliseconds before a file download answers. */
  readonly slowDownloadsMs?: number;
}

/** A change of capacity C at a time: `atMs` real milliseconds after the emulator started. */
export interface CapacityStep {
  readonly atMs: number;
  readonly concurrency: number;
}

/** A token bucket in real time. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes a token; returns 0 when granted, else the milliseconds until one is free. */
  take(now: number): number {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000);
  }
}

/** `Retry-After` for a wait of `ms`: whole seconds, rounded up, or an HTTP date. */
export function retryAfterHeader(
  kind: RateLimitFault["retryAfter"],
  ms: number,
  now: number,
): string | undefined {
  if (kind === "none") return undefined;
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (kind === "date") return new Date(now + seconds * 1000 + 999).toUTCString();
  return String(seconds);
}
