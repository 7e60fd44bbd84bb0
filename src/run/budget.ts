import type { Job } from "../plan/index.js";
import type { BudgetLike } from "./job-context.js";

/**
 * A spending cap: each submit reserves the most its job can cost (its most images × price),
 * so parallel submits never overshoot; a finished job's reservation becomes what it cost.
 */
export class Budget implements BudgetLike {
  #committed = 0;
  readonly #reserved = new Map<string, number>();
  /** Set once a reservation was refused. */
  exhausted = false;

  constructor(readonly capUsd: number) {}

  get spentUsd(): number {
    return this.#committed;
  }

  reserve(job: Job): boolean {
    const most = job.expectedImages.max * job.pricePerImageUsd;
    let held = 0;
    for (const v of this.#reserved.values()) held += v;
    // A small epsilon: prices are decimals and sums of them are not exact.
    if (this.#committed + held + most > this.capUsd + 1e-9) {
      this.exhausted = true;
      return false;
    }
    this.#reserved.set(job.id, (this.#reserved.get(job.id) ?? 0) + most);
    return true;
  }

  settle(job: Job, images: number): void {
    this.#reserved.delete(job.id);
    this.#committed += images * job.pricePerImageUsd;
  }
}
