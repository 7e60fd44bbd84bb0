import type { Logger } from "../log/logger.js";
import type { JobPhase } from "../model/job-phase.js";
import { costRange, type Job, roundUsd } from "../plan/index.js";
import type { BudgetLike } from "./job-context.js";

const LEFT_AT_FAL = new Set<JobPhase["kind"]>(["submitted", "reconciling", "in-doubt", "submitting"]);

/** Whether a job starting in `start` holds a request fal may bill: one to re-attach to, or a submit in doubt. */
export function heldAtFal(start: JobPhase | undefined): boolean {
  return start !== undefined && LEFT_AT_FAL.has(start.kind);
}

/** The most a job's request can cost: its most images × its price. */
const mostOf = (job: Job) => job.expectedImages.max * job.pricePerImageUsd;

/**
 * A spending cap: each submit reserves the most its job can cost (its most images × price),
 * so parallel submits never overshoot; a finished job's reservation becomes what it cost.
 * Requests fal accepted and has not finished, and submits in doubt, stay reserved: those an
 * earlier run left are held from the start (`hold`), and a job that ends with its request still
 * at fal keeps its reservation (`keep`).
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

  /** What is committed and reserved now. */
  get heldUsd(): number {
    let held = this.#committed;
    for (const v of this.#reserved.values()) held += v;
    return held;
  }

  /**
   * Whether a new request of `job` would fit under the cap now. A job holds one reservation: a
   * new request replaces the one before it (fal failed it, or never accepted a submit in doubt).
   */
  canPay(job: Job): boolean {
    const own = this.#reserved.get(job.id) ?? 0;
    // A small epsilon: prices are decimals and sums of them are not exact.
    return this.heldUsd - own + mostOf(job) <= this.capUsd + 1e-9;
  }

  reserve(job: Job): boolean {
    if (!this.canPay(job)) {
      this.exhausted = true;
      return false;
    }
    this.#reserved.set(job.id, mostOf(job));
    return true;
  }

  /** Reserves, whatever the cap, for a request an earlier run left at fal (or in doubt). */
  hold(job: Job): void {
    this.#reserved.set(job.id, mostOf(job));
  }

  settle(job: Job, images: number): void {
    this.#reserved.delete(job.id);
    // Never more images than the job asks for (more are refused), never a negative price.
    this.#committed += Math.min(images, job.expectedImages.max) * Math.max(0, job.pricePerImageUsd);
  }

  keep(job: Job): void {
    this.#reserved.delete(job.id);
    this.#committed += mostOf(job);
  }
}

/**
 * Reserves what earlier runs left at fal (or in doubt), says when the cap is below what the run
 * could cost, and spends the budget at once when it cannot pay for a single new request.
 */
export function openBudget(
  budget: Budget,
  jobs: readonly Job[],
  starts: ReadonlyMap<string, JobPhase> | undefined,
  logger: Logger,
): void {
  const kind = (id: string) => starts?.get(id)?.kind ?? "to-submit";
  const left = jobs.filter((j) => heldAtFal(starts?.get(j.id)));
  for (const job of left) budget.hold(job);
  if (left.length > 0)
    logger.info(
      { jobs: left.length, reservedUsd: roundUsd(budget.heldUsd) },
      "budget: requests earlier runs left at fal are reserved",
    );
  const toSubmit = jobs.filter((j) => kind(j.id) === "to-submit");
  const most = roundUsd(budget.heldUsd + costRange(toSubmit).max);
  if (most > budget.capUsd + 1e-9)
    logger.warn({ cap: budget.capUsd, mostUsd: most }, "the budget is below what this run could cost");
  if (toSubmit.length > 0 && !toSubmit.some((j) => budget.canPay(j))) {
    budget.exhausted = true;
    logger.warn(
      { cap: budget.capUsd, reservedUsd: roundUsd(budget.heldUsd) },
      "the budget cannot pay for a single job: nothing is uploaded or sent",
    );
  }
}
