import pLimit, { type LimitFunction } from "p-limit";
import type { Clock } from "../clock.js";
import type { Traffic } from "../fal/index.js";
import { ConcurrencyController } from "./controller.js";

/** How requests in flight at fal are bounded. */
export interface SchedulerOptions {
  /** `auto` follows the account's capacity, a number fixes it. @default "auto" */
  readonly concurrency?: number | "auto";
  /** Most in flight `auto` may choose. @default 48 */
  readonly maxConcurrency?: number;
  /** Where `auto` starts. @default 2 */
  readonly initialConcurrency?: number;
  /** Told of every concurrency decision, for progress and the benchmark. */
  readonly onTarget?: (target: number, at: number) => void;
}

/** The concurrency the run used, for the report. */
export interface ConcurrencySummary {
  readonly mode: "auto" | "fixed";
  readonly peak: number;
  readonly capacityEstimate: number;
}

/**
 * The run's fal slots: p-limit holds the requests in flight, and the concurrency controller
 * sets its limit from what fal tells about our requests (statuses, 429s), on every event and
 * on a tick (ceiling recovery and probes are decisions in time).
 */
export class Scheduler {
  readonly controller: ConcurrencyController;
  readonly #limit: LimitFunction;
  readonly #fixed: number | undefined;
  #peak: number;
  // The capacity learnt while jobs were still waiting to be sent (the drain at the end says
  // less): the most frequent estimate, which a momentary overcount (a start seen before the
  // finish that freed its slot) does not move.
  readonly #learnt = new Map<number, number>();

  constructor(
    readonly clock: Clock,
    traffic: Traffic,
    readonly options: SchedulerOptions,
  ) {
    this.#fixed = typeof options.concurrency === "number" ? options.concurrency : undefined;
    this.controller = new ConcurrencyController({
      ...(this.#fixed === undefined ? {} : { fixed: this.#fixed }),
      ...(options.maxConcurrency === undefined ? {} : { max: options.maxConcurrency }),
      ...(options.initialConcurrency === undefined ? {} : { initial: options.initialConcurrency }),
    });
    this.#limit = pLimit(this.controller.decide(clock.now()));
    this.#peak = this.#limit.concurrency;
    traffic.onCall((e) => {
      if (e.status === 429) {
        this.controller.rateLimited(e.at, e.sentAt);
        this.changed();
      }
    });
  }

  /** Re-decides the concurrency after the controller learnt something. */
  changed(): void {
    const now = this.clock.now();
    const target = this.controller.decide(now);
    if (this.#limit.pendingCount > 0) {
      const c = this.controller.snapshot().capacityEstimate;
      this.#learnt.set(c, (this.#learnt.get(c) ?? 0) + 1);
    }
    if (target !== this.#limit.concurrency) {
      this.#limit.concurrency = target;
      this.#peak = Math.max(this.#peak, target);
      this.options.onTarget?.(target, now);
    }
  }

  /** The requests that may be in flight at fal now. */
  get concurrency(): number {
    return this.#limit.concurrency;
  }

  /** Runs `fn` holding one of the slots at fal. */
  slot<T>(fn: () => Promise<T>): Promise<T> {
    return this.#limit(fn);
  }

  /** What the run's concurrency was. */
  summary(): ConcurrencySummary {
    const learnt = [...this.#learnt].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
    return {
      mode: this.#fixed === undefined ? "auto" : "fixed",
      peak: this.#peak,
      capacityEstimate: learnt ?? this.controller.snapshot().capacityEstimate,
    };
  }
}
