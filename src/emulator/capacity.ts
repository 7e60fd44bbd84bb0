import type { CapacityStep } from "./faults.js";
import type { RequestStore } from "./request-store.js";

/** Account concurrency C over time: changes made now or on a schedule, each recorded. */
export class Capacity {
  readonly timeline: Array<{ at: number; concurrency: number }>;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: RequestStore,
    private readonly started: number,
    schedule: readonly CapacityStep[],
  ) {
    this.timeline = [{ at: 0, concurrency: store.concurrency }];
    for (const step of schedule) this.#timers.push(setTimeout(() => this.set(step.concurrency), step.atMs));
  }

  /** Changes C now; running requests are never stopped. */
  set(concurrency: number): void {
    this.store.setConcurrency(concurrency);
    this.timeline.push({ at: Date.now() - this.started, concurrency });
  }

  /** Cancels the changes still scheduled. */
  dispose(): void {
    for (const t of this.#timers.splice(0)) clearTimeout(t);
  }
}
