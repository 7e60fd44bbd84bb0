import { RUN_DEFAULTS } from "./defaults.js";

/** Options of the concurrency controller. */
export interface ControllerOptions {
  /** A fixed number of requests in flight: the controller then never moves. */
  readonly fixed?: number | undefined;
  /** Where auto starts (the last run's estimate is a good start). @default 2 */
  readonly initial?: number;
  /** Most requests in flight auto may choose (`--max-concurrency`). @default 48 */
  readonly max?: number;
  /** Requests kept waiting in fal's queue beyond its capacity, so a freed slot fills at once. @default 2 */
  readonly buffer?: number;
  /** Job time assumed before one is seen, in ms. @default 10000 */
  readonly initialJobMs?: number;
}

type State = "sent" | "queued" | "running";

interface Tracked {
  state: State;
  sentAt: number;
  runningAt?: number;
  position?: number;
}

/** A snapshot for logs, progress and the benchmark. */
export interface ControllerSnapshot {
  readonly target: number;
  readonly running: number;
  readonly queued: number;
  readonly capacityEstimate: number;
  readonly meanJobMs: number;
  readonly ceiling: number | undefined;
}

/**
 * Decides how many requests to keep in flight at fal. A pure function of the events it is told
 * and the times they carry: no timers, no IO, so a test replays a 30-minute run in microseconds.
 *
 * It learns the account's capacity C from our own requests: the most of ours seen IN_PROGRESS
 * in a recent window, or exactly the running count while more of ours wait than the buffer.
 * It keeps C + buffer in flight, grows while nothing of ours waits (each request that starts at
 * once raises the estimate), probes one higher now and then while backlogged, follows C down at
 * once when more of ours wait than the buffer, and on a 429 halves a ceiling once per window
 * (429s for calls sent before the last decrease are not counted again).
 *
 * The status events of different requests arrive on different connections, so a request that
 * starts in a freed slot can be seen before the one that freed it is seen finishing: the estimate
 * can read C + 1 for a moment, which keeps at most one more request waiting at fal.
 */
export class ConcurrencyController {
  readonly #opts: Required<Omit<ControllerOptions, "fixed">> & { fixed: number | undefined };
  readonly #requests = new Map<string, Tracked>();
  /** Running counts seen, with when: the capacity estimate is their recent maximum. */
  #samples: { at: number; running: number }[] = [];
  /**
   * Starts from fal's queue not yet matched by a finish (their times), and finishes not yet
   * matched by a start. fal starts one of our waiting requests when a slot frees; the two
   * events come on different connections, in either order. Until they pair up (or the skew
   * window passes: then the start was a real rise of capacity), a sample would count one too
   * many or one too few.
   */
  #unmatchedStarts: number[] = [];
  #unmatchedFinishes: number[] = [];
  #meanJobMs: number;
  #ceiling: number | undefined;
  #lastDecreaseAt = Number.NEGATIVE_INFINITY;
  #lastRaiseAt = Number.NEGATIVE_INFINITY;
  #lastProbeAt = Number.NEGATIVE_INFINITY;
  #lastTarget: number;

  constructor(options: ControllerOptions = {}) {
    this.#opts = {
      fixed: options.fixed,
      initial: options.initial ?? 2,
      max: options.max ?? RUN_DEFAULTS.maxConcurrency,
      buffer: options.buffer ?? 2,
      initialJobMs: options.initialJobMs ?? 10_000,
    };
    this.#meanJobMs = this.#opts.initialJobMs;
    this.#lastTarget = options.fixed ?? Math.min(this.#opts.initial, this.#opts.max);
  }

  /** How far back capacity samples count: about two job times, within [0.2 s, 60 s]. */
  get #window(): number {
    return Math.min(60_000, Math.max(200, 2 * this.#meanJobMs));
  }

  #count(state: State): number {
    let n = 0;
    for (const r of this.#requests.values()) if (r.state === state) n += 1;
    return n;
  }

  /** How long a start from the queue and the finish that freed its slot may lie apart: 50–250 ms. */
  get #skewMs(): number {
    return Math.max(50, Math.min(250, this.#meanJobMs / 10));
  }

  /** Running requests as fal counts them: starts still awaiting their finish are not counted. */
  #running(at: number): number {
    const since = at - this.#skewMs;
    this.#unmatchedStarts = this.#unmatchedStarts.filter((t) => t >= since);
    this.#unmatchedFinishes = this.#unmatchedFinishes.filter((t) => t >= since);
    return this.#count("running") - this.#unmatchedStarts.length;
  }

  #sample(at: number): void {
    this.#samples.push({ at, running: this.#running(at) });
    const horizon = at - this.#window;
    if ((this.#samples[0]?.at ?? at) < horizon) this.#samples = this.#samples.filter((s) => s.at >= horizon);
  }

  /** A request was submitted (before fal answered with its queue state). */
  submitted(id: string, at: number): void {
    this.#requests.set(id, { state: "sent", sentAt: at });
  }

  /** fal said the request waits IN_QUEUE at `position`. */
  queued(id: string, at: number, position: number): void {
    const r = this.#requests.get(id);
    if (!r || r.state === "running") return;
    r.state = "queued";
    r.position = position;
    this.#sample(at);
  }

  /** fal said the request is IN_PROGRESS. */
  running(id: string, at: number): void {
    const r = this.#requests.get(id);
    if (!r || r.state === "running") return;
    const fromQueue = r.state === "queued";
    r.state = "running";
    r.runningAt = at;
    if (fromQueue) {
      this.#running(at);
      if (this.#unmatchedFinishes.length > 0) this.#unmatchedFinishes.shift();
      else this.#unmatchedStarts.push(at);
    }
    this.#sample(at);
  }

  /** The request left fal (completed, failed or canceled); `ran` when it ran to the end. */
  finished(id: string, at: number, ran = true): void {
    const r = this.#requests.get(id);
    if (!r) return;
    this.#requests.delete(id);
    if (r.state === "running") {
      this.#running(at);
      if (this.#unmatchedStarts.length > 0) this.#unmatchedStarts.shift();
      else if (this.#count("queued") > 0) this.#unmatchedFinishes.push(at);
    }
    if (ran && r.runningAt !== undefined) {
      const took = at - r.runningAt;
      this.#meanJobMs =
        this.#meanJobMs === this.#opts.initialJobMs ? took : 0.8 * this.#meanJobMs + 0.2 * took;
    }
    this.#sample(at);
  }

  /**
   * fal (or its gateway) answered 429 to a call sent at `sentAt`. One decrease per window:
   * 429s for calls sent before the last decrease were caused by the old rate and are ignored.
   */
  rateLimited(at: number, sentAt: number): void {
    if (this.#opts.fixed !== undefined || sentAt < this.#lastDecreaseAt) return;
    this.#ceiling = Math.max(1, Math.floor(this.#lastTarget / 2));
    this.#lastDecreaseAt = at;
    this.#lastRaiseAt = at;
  }

  /** The capacity estimate: what fal runs of ours when it is full. */
  #capacity(now?: number): number {
    const running =
      now === undefined ? this.#count("running") - this.#unmatchedStarts.length : this.#running(now);
    // More of ours wait than the buffer: fal is full at exactly what runs now.
    if (this.#count("queued") > this.#opts.buffer) return Math.max(1, running);
    let best = running;
    for (const s of this.#samples) best = Math.max(best, s.running);
    return Math.max(1, best);
  }

  /**
   * How many requests to keep in flight at `now`. After C falls, it only stops adding: the
   * requests already waiting at fal are served in order (cancelling and resubmitting them would
   * finish nothing sooner and would send their jobs twice).
   */
  decide(now: number): number {
    if (this.#opts.fixed !== undefined) return this.#opts.fixed;
    const horizon = now - this.#window;
    if ((this.#samples[0]?.at ?? now) < horizon) this.#samples = this.#samples.filter((s) => s.at >= horizon);
    // A ceiling set by 429s rises again by a quarter for every quiet window.
    if (this.#ceiling !== undefined && now - this.#lastRaiseAt >= this.#window) {
      this.#ceiling += Math.max(1, Math.floor(this.#ceiling / 4));
      this.#lastRaiseAt = now;
      if (this.#ceiling >= this.#opts.max) this.#ceiling = undefined;
    }
    const queued = this.#count("queued");
    let target = this.#capacity(now) + this.#opts.buffer;
    // While backlogged at fal, one more now and then finds a raised capacity even when the
    // buffer's requests are slow to start.
    if (queued > 0 && queued <= this.#opts.buffer && now - this.#lastProbeAt >= 2 * this.#meanJobMs) {
      this.#lastProbeAt = now;
      target += 1;
    }
    if (this.#requests.size === 0) target = Math.max(target, this.#opts.initial);
    target = Math.max(1, Math.min(target, this.#ceiling ?? Number.POSITIVE_INFINITY, this.#opts.max));
    this.#lastTarget = target;
    return target;
  }

  /** The last decision and what it was based on; changes nothing. */
  snapshot(): ControllerSnapshot {
    return {
      target: this.#lastTarget,
      running: this.#count("running"),
      queued: this.#count("queued"),
      capacityEstimate: this.#capacity(),
      meanJobMs: Math.round(this.#meanJobMs),
      ceiling: this.#ceiling,
    };
  }
}
