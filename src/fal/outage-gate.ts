import type { Clock } from "../clock.js";

/** HTTP statuses that say fal (or the way to it) is down, not that a request is wrong. */
const OUTAGE_STATUS = new Set([502, 503, 504]);

/** Whether a call's answer (`undefined`: no answer, a transport failure) says fal is away. */
export function isOutageAnswer(status: number | undefined): boolean {
  return status === undefined || OUTAGE_STATUS.has(status);
}

/** Raised for every call once the run gave up on fal (see `OutageGate.close`): nothing was sent. */
export class FalUnavailableError extends Error {
  readonly code = "FAL_UNAVAILABLE";
  constructor(message: string) {
    super(message);
    this.name = "FalUnavailableError";
  }
}

/** Options of an `OutageGate`. */
export interface OutageGateOptions {
  readonly clock: Clock;
  /** Consecutive calls failing for an outage reason before fal counts as away. @default 6 */
  readonly threshold?: number;
  /** The first wait before a probe. @default 1000 */
  readonly minProbeMs?: number;
  /** The longest wait between probes. @default 30000 */
  readonly maxProbeMs?: number;
  /** Told when fal goes away and when it is back. */
  readonly onChange?: (away: boolean, at: number) => void;
}

/** What a call is let through as: an ordinary call, or the one probe while fal is away. */
export type Pass = "call" | "probe";

/**
 * Notices an outage across all of a run's fal calls and holds the calls back while it lasts.
 * After `threshold` consecutive calls failed for a transport reason or with 502/503/504, fal is
 * "away": every call waits here (so no job spends its attempts and nothing is submitted),
 * except one probe at a time, sent after a backoff that doubles from `minProbeMs` to
 * `maxProbeMs`. The first call fal answers brings everything back at full speed. Time comes
 * from the injected clock.
 */
export class OutageGate {
  readonly #clock: Clock;
  readonly #threshold: number;
  readonly #minProbeMs: number;
  readonly #maxProbeMs: number;
  readonly #onChange: OutageGateOptions["onChange"];
  #consecutive = 0;
  #awaySince: number | undefined;
  #probing = false;
  #failedProbes = 0;
  #nextProbeAt = 0;
  #closed: Error | undefined;
  readonly #closing = new AbortController();
  #wake: (() => void) | undefined;
  #woken: Promise<void> | undefined;

  constructor(options: OutageGateOptions) {
    this.#clock = options.clock;
    this.#threshold = options.threshold ?? 6;
    this.#minProbeMs = options.minProbeMs ?? 1000;
    this.#maxProbeMs = options.maxProbeMs ?? 30_000;
    this.#onChange = options.onChange;
  }

  /** Whether fal counts as away now. */
  get away(): boolean {
    return this.#awaySince !== undefined;
  }

  /** How long fal has been away at `now` (0 while it answers). */
  awayForMs(now: number): number {
    return this.#awaySince === undefined ? 0 : now - this.#awaySince;
  }

  /**
   * Waits for this call's turn: at once while fal answers; while it is away, until this call
   * may be the probe. Rejects with the closing error once the gate is closed.
   */
  async enter(signal?: AbortSignal): Promise<Pass> {
    for (;;) {
      if (this.#closed) throw this.#closed;
      if (this.#awaySince === undefined) return "call";
      const now = this.#clock.now();
      if (!this.#probing && now >= this.#nextProbeAt) {
        this.#probing = true;
        return "probe";
      }
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      const woken = this.#wakeSignal();
      // While a probe is out, wait for its answer; otherwise for the next probe's time.
      await (this.#probing
        ? woken
        : Promise.race([woken, this.#clock.sleep(this.#nextProbeAt - now, signal)]));
    }
  }

  /** Tells how a call let through by `enter` ended: `outage` when it failed for an outage reason. */
  settle(pass: Pass, outage: boolean): void {
    const now = this.#clock.now();
    if (pass === "probe") this.#probing = false;
    if (!outage) {
      this.#consecutive = 0;
      if (this.#awaySince !== undefined) {
        this.#awaySince = undefined;
        this.#failedProbes = 0;
        this.#onChange?.(false, now);
      }
      this.#notify();
      return;
    }
    this.#consecutive += 1;
    if (this.#awaySince === undefined && this.#consecutive >= this.#threshold) {
      this.#awaySince = now;
      this.#failedProbes = 0;
      this.#nextProbeAt = now + this.#minProbeMs;
      this.#onChange?.(true, now);
    } else if (pass === "probe") {
      this.#failedProbes += 1;
      this.#nextProbeAt = now + Math.min(this.#maxProbeMs, this.#minProbeMs * 2 ** this.#failedProbes);
    }
    this.#notify();
  }

  /** A call let through that never left (refused on our side): a probe's turn comes back, nothing is learned. */
  unused(pass: Pass): void {
    if (pass !== "probe") return;
    this.#probing = false;
    this.#notify();
  }

  /** Gives up on fal: every waiting and later call is refused with `error`, unsent. */
  close(error: Error): void {
    this.#closed = error;
    if (!this.#closing.signal.aborted) this.#closing.abort(error);
    this.#notify();
  }

  /** Aborted (with the closing error) once the gate is closed: ends any other wait for fal. */
  get closedSignal(): AbortSignal {
    return this.#closing.signal;
  }

  #wakeSignal(): Promise<void> {
    this.#woken ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    return this.#woken;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#woken = undefined;
    wake?.();
  }
}
