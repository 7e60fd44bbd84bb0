import type { FaultDice } from "./fault-dice.js";
import { retryAfterHeader, TokenBucket } from "./faults.js";
import { json, type Reply } from "./http.js";
import type { Operation } from "./record.js";

/** Calls the gateway lets through untouched: files, signed uploads, the Platform API, the emulator's own. */
const UNGATED: ReadonlySet<Operation> = new Set([
  "file",
  "upload-put",
  "history",
  "pricing",
  "control",
  "unknown",
]);

/** Requests that arrive this soon after a 429 were already on their way: not counted as early. */
const IN_FLIGHT_GRACE_MS = 25;

/**
 * fal's gateway in front of the queue and storage: rate-limits calls that carry a key (a
 * token bucket, when the faults name one) and counts calls sent before a `Retry-After` allowed.
 */
export class Gateway {
  rateLimited = 0;
  /** Calls that arrived inside a 429's wait, past a short grace: timing-based, for the benchmark. */
  earlySends = 0;
  /**
   * Calls that arrived inside a 429's wait on the very connection that carried the 429. HTTP/1.1
   * sends a connection's next request only after the previous response arrived, so the client
   * provably had the 429 in hand: no timing involved, whatever the machine's load.
   */
  provenEarlySends = 0;
  /** Per connection, until when the 429 it last carried said to wait. */
  readonly #waitOn = new WeakMap<object, number>();
  #bucket: TokenBucket | undefined;
  #bucketOf: unknown;
  #waitUntil = 0;
  #lastLimitAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly faults: FaultDice) {}

  /**
   * A 429 to answer instead of serving the call, or undefined to let it through. `connection`
   * (the socket) identifies calls sent one after another on one connection.
   */
  admit(op: Operation, now: number, connection: object = {}): Reply | undefined {
    if (UNGATED.has(op)) return undefined;
    if (now < this.#waitUntil && now > this.#lastLimitAt + IN_FLIGHT_GRACE_MS) this.earlySends += 1;
    if (now < (this.#waitOn.get(connection) ?? 0)) this.provenEarlySends += 1;
    const limit = this.faults.current.rateLimit;
    const bucket = this.#bucketFor(now);
    if (!limit || !bucket) return undefined;
    const waitMs = bucket.take(now);
    if (waitMs === 0) return undefined;
    this.rateLimited += 1;
    this.#lastLimitAt = now;
    const header = retryAfterHeader(limit.retryAfter ?? "seconds", waitMs, now);
    if (header !== undefined) {
      const until = /^\d+$/.test(header) ? now + Number(header) * 1000 : Date.parse(header);
      this.#waitUntil = Math.max(this.#waitUntil, until);
      this.#waitOn.set(connection, until);
    }
    return json(
      429,
      { detail: "Rate limit exceeded" },
      header === undefined ? {} : { "retry-after": header },
    );
  }

  /** The bucket of the rate limit in force; a new one (full) when the limit changed. */
  #bucketFor(now: number): TokenBucket | undefined {
    const limit = this.faults.current.rateLimit;
    if (limit !== this.#bucketOf) {
      this.#bucketOf = limit;
      this.#bucket = limit
        ? new TokenBucket(limit.perSecond, limit.burst ?? limit.perSecond, now)
        : undefined;
    }
    return this.#bucket;
  }
}
