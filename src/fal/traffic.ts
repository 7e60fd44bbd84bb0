import type { Clock } from "../clock.js";
import { FalAnswerRefusedError } from "./answer-rules.js";
import { isOutageAnswer, type OutageGate, type Pass } from "./outage-gate.js";
import { MAX_RETRY_AFTER_MS, retryAfterDeadline } from "./retry-after.js";

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
 * before a `Retry-After` deadline) and reports to `observe`. Every call the runner's retry layer
 * makes is one send (the client's own retries are off: see `one-send.ts`), so each 429 is seen.
 */
export class Traffic {
  #openAt = 0;
  #blind429s = 0;
  readonly #listeners: Array<(e: CallEvent) => void> = [];
  readonly counts = new Map<FalOp, number>();
  rateLimited = 0;
  /**
   * `random` draws the jitter of the backoff after a 429 that names no time; `outage` holds every
   * call back while fal is away (see `OutageGate`): without it, calls are never held.
   */
  constructor(
    readonly clock: Clock,
    readonly random: () => number = Math.random,
    readonly outage?: OutageGate,
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

/** Transport failures that happen before a request is sent: sending it again cannot pay twice. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * A submit whose connection broke after it was sent, or that fal's gateway answered 502/504:
 * fal may have accepted (and will bill) it, but its request id never came back. The retry layer
 * does not send it again (the policy classes it `in-doubt`); the runner looks for it in fal's
 * request history instead of paying twice.
 */
export class SubmitInDoubtError extends Error {
  constructor(detail: string) {
    super(`submit outcome unknown: ${detail}`);
    this.name = "SubmitInDoubtError";
  }
}

/**
 * A call refused on our side before it left (a submit whose `submitting` line could not be
 * written): nothing reached fal, so it is neither in doubt nor a sign of an outage.
 */
export class NotSentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NotSentError";
  }
}

/** Wraps fetch so every fal call waits at the gate and is observed. */
export function observingFetch(traffic: Traffic, inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const op = falOp(url, init?.method ?? (input instanceof Request ? input.method : "GET"));
    const gate = traffic.outage;
    const pass: Pass | undefined = gate ? await gate.enter(init?.signal ?? undefined) : undefined;
    // A closed gate (the run interrupted, or given up on fal) also ends a wait for a Retry-After.
    const closed = gate?.closedSignal;
    const waitSignal =
      init?.signal && closed ? AbortSignal.any([init.signal, closed]) : (init?.signal ?? closed);
    await traffic.beforeSend(waitSignal ?? undefined);
    if (closed?.aborted) throw closed.reason;
    const sentAt = traffic.clock.now();
    try {
      const response = await inner(input, init);
      const at = traffic.clock.now();
      const asked =
        response.status === 429 ? retryAfterDeadline(response.headers.get("retry-after"), at) : undefined;
      // A wait past the cap (or a date in 9999) is fal saying it is away, not a rate limit.
      const tooLong = asked !== undefined && asked - at > MAX_RETRY_AFTER_MS;
      const retryAt = tooLong ? at + MAX_RETRY_AFTER_MS : asked;
      if (pass) gate?.settle(pass, isOutageAnswer(response.status) || tooLong);
      traffic.observe({
        op,
        sentAt,
        at,
        status: response.status,
        ...(retryAt === undefined ? {} : { retryAt }),
      });
      // A gateway's 502/504 may come after fal queued the request: never sent again blindly.
      if (op === "submit" && (response.status === 502 || response.status === 504))
        throw new SubmitInDoubtError(`fal's gateway answered ${response.status}, perhaps after queueing it`);
      return response;
    } catch (error) {
      if (error instanceof NotSentError) {
        if (pass) gate?.unused(pass);
        throw error;
      }
      traffic.observe({ op, sentAt, at: traffic.clock.now(), status: undefined });
      const code = errorCode(error);
      const aborted =
        error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
      // An abort is ours (a stop, a stream closed at COMPLETED), not fal's silence; an answer
      // refused (over its cap) was an answer.
      if (pass) gate?.settle(pass, !aborted && !(error instanceof FalAnswerRefusedError));
      if (op === "submit" && !aborted && (code === undefined || !NOT_SENT.has(code)))
        throw new SubmitInDoubtError(
          `the connection broke after the request was sent (${code ?? (error instanceof Error ? error.message : String(error))})`,
        );
      throw error;
    }
  };
}
