import pLimit, { type LimitFunction } from "p-limit";
import type { Clock } from "../clock.js";
import type { Traffic } from "../fal/index.js";
import { ConcurrencyController } from "./controller.js";
import type { RunConfig } from "./run-config.js";

/** How requests in flight at fal are bounded: the run's settings (see `runConfig`). */
export type SchedulerOptions = Pick<RunConfig, "concurrency" | "maxConcurrency">;

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
    options: SchedulerOptions,
  ) {
    this.#fixed = typeof options.concurrency === "number" ? options.concurrency : undefined;
    this.controller = new ConcurrencyController({ fixed: this.#fixed, max: options.maxConcurrency });
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
    const target = this.controller.decide(this.clock.now());
    if (this.#limit.pendingCount > 0) {
      const c = this.controller.snapshot().capacityEstimate;
      this.#learnt.set(c, (this.#learnt.get(c) ?? 0) + 1);
    }
    if (target !== this.#limit.concurrency) {
      this.#limit.concurrency = target;
      this.#peak = Math.max(this.#peak, target);
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
