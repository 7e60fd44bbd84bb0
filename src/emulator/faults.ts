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
  /**
   * Probability a submit's connection is dropped after the request was accepted (queued, billed
   * when it completes), before its answer: the client cannot learn the request id.
   */
  readonly dropSubmitAnswerRate?: number;
  /** Probability a request completes with a retryable error (500 runner_error), not images. */
  readonly failRequests?: number;
  /** Probability a file download is cut short (the body ends before its Content-Length). */
  readonly truncateDownloads?: number;
  /** Extra real milliseconds before a file download answers. */
  readonly slowDownloadsMs?: number;
  /**
   * Real milliseconds a submit's answer is held after the request was accepted (stored, queued,
   * billed when it completes); `"hold"` holds it until `emulator.releaseSubmitAnswers()`. A
   * client killed, or a connection cut, inside that window never learns the request id.
   */
  readonly delaySubmitAnswerMs?: number | "hold";
  /**
   * Status streams go silent: after their first event they send nothing more (no event, no
   * keep-alive) and stay open, as a proxy that stalls a stream would leave them.
   */
  readonly silentStreams?: boolean;
  /** Real ms after a request ends before the request history lists it (fal does not document it). */
  readonly historyDelayMs?: number;
  /** Items of the request history without `sent_at` (fields fal's reference lists) added to each page. */
  readonly historyBadItems?: number;
  /** Results state each image's `content_type`, `width` and `height` wrongly (JPEG, sides swapped). */
  readonly misstateImages?: boolean;
}

/**
 * How fal is away during an outage. `refuse`: nothing listens (ECONNREFUSED); `reset`: each
 * call's connection is dropped unanswered; `502` / `503` / `504`: each call gets that status.
 * In every kind the emulator keeps its state: accepted requests run on and finish, as on fal.
 */
export type OutageKind = "refuse" | "reset" | "502" | "503" | "504";

/** An outage on a schedule: from `atMs` real milliseconds after the start, for `durationMs`. */
export interface ScheduledOutage {
  readonly atMs: number;
  readonly durationMs: number;
  readonly kind: OutageKind;
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
