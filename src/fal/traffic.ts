import type { Clock } from "../clock.js";
import { retryAfterDeadline } from "./retry-after.js";

/** Which part of fal a call spoke to. */
export type FalOp = "submit" | "status" | "stream" | "result" | "cancel" | "upload" | "other";

/** One fal call, as the observing fetch saw it. */
export interface CallEvent {
  readonly op: FalOp;
  readonly sentAt: number;
  readonly at: number;
  /** The HTTP status, or undefined when the call failed without an answer. */
  readonly status: number | undefined;
  /** For a 429: when `Retry-After` lets the next call go. */
  readonly retryAt?: number;
}

/** Classifies a fal URL (after or before the redirect: fal keeps its paths). */
export function falOp(url: string, method: string): FalOp {
  const path = new URL(url).pathname;
  if (path.startsWith("/storage/upload")) return "upload";
  if (/\/requests\/[^/]+\/status\/stream$/.test(path)) return "stream";
  if (/\/requests\/[^/]+\/status$/.test(path)) return "status";
  if (/\/requests\/[^/]+\/cancel$/.test(path)) return "cancel";
  if (/\/requests\/[^/]+$/.test(path)) return "result";
  return method.toUpperCase() === "POST" ? "submit" : "other";
}

/**
 * The account-wide view of fal traffic: every call passes `beforeSend` (the gate: nobody goes
 * before a `Retry-After` deadline) and reports to `observe` (so 429s are seen even when the
 * client retries them itself).
 */
export class Traffic {
  #openAt = 0;
  #blind429s = 0;
  readonly #listeners: Array<(e: CallEvent) => void> = [];
  readonly counts = new Map<FalOp, number>();
  rateLimited = 0;

  /** `random` draws the jitter of the backoff after a 429 that names no time. */
  constructor(
    readonly clock: Clock,
    readonly random: () => number = Math.random,
  ) {}

  /** When the gate opens (epoch ms); 0 when it is open. */
  get openAt(): number {
    return this.#openAt;
  }

  /** Waits until the gate is open; a later 429 pushes it further. */
  async beforeSend(signal?: AbortSignal): Promise<void> {
    for (let now = this.clock.now(); now < this.#openAt && !signal?.aborted; now = this.clock.now())
      await this.clock.sleep(this.#openAt - now, signal);
  }

  /** Closes the gate until `at` (never earlier than it already is). */
  closeUntil(at: number): void {
    this.#openAt = Math.max(this.#openAt, at);
  }

  observe(event: CallEvent): void {
    this.counts.set(event.op, (this.counts.get(event.op) ?? 0) + 1);
    if (event.status === 429) {
      this.rateLimited += 1;
      if (event.retryAt !== undefined) this.closeUntil(event.retryAt);
      else {
        // No Retry-After: full-jitter backoff, base 1 s, cap 30 s, growing while 429s continue.
        this.#blind429s += 1;
        this.closeUntil(
          event.at + Math.round(this.random() * Math.min(30_000, 1000 * 2 ** (this.#blind429s - 1))),
        );
      }
    } else if (event.status !== undefined) this.#blind429s = 0;
    for (const l of this.#listeners) l(event);
  }

  onCall(listener: (e: CallEvent) => void): void {
    this.#listeners.push(listener);
  }
}

/** Wraps fetch so every fal call waits at the gate and is observed, the client's own retries included. */
export function observingFetch(traffic: Traffic, inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const op = falOp(url, init?.method ?? (input instanceof Request ? input.method : "GET"));
    await traffic.beforeSend(init?.signal ?? undefined);
    const sentAt = traffic.clock.now();
    try {
      const response = await inner(input, init);
      const at = traffic.clock.now();
      const retryAt =
        response.status === 429 ? retryAfterDeadline(response.headers.get("retry-after"), at) : undefined;
      traffic.observe({
        op,
        sentAt,
        at,
        status: response.status,
        ...(retryAt === undefined ? {} : { retryAt }),
      });
      return response;
    } catch (error) {
      traffic.observe({ op, sentAt, at: traffic.clock.now(), status: undefined });
      throw error;
    }
  };
}
