/** What a `spent` journal line carries: the spend of requests whose own lines are gone. */
export interface SpendCarry {
  readonly accepted: number;
  readonly completed: number;
  readonly images: number;
  readonly completed_usd: number;
  readonly failed: number;
  readonly pending: number;
  readonly pending_usd: number;
  readonly in_doubt: number;
  readonly in_doubt_usd: number;
}

/** Requests in one state: how many, and what they cost (or could cost). */
export interface SpendLine {
  readonly requests: number;
  readonly usd: number;
}

/**
 * Every request fal accepted (or may have), by how it stands. Estimated: images × the price
 * per image; what is not settled yet at the most its job can make.
 */
export interface Spend {
  /** Requests fal accepted: completed + failed + pending. */
  readonly accepted: SpendLine;
  /** Completed with images: fal bills them. */
  readonly completed: SpendLine & { readonly images: number };
  /** Failed at fal, canceled, or lost by fal: not billed as far as the runner can know. */
  readonly failed: SpendLine;
  /** Accepted and not completed yet (waiting, running, or its status could not be read): at the most. */
  readonly pending: SpendLine;
  /** Submits whose answer never came back: fal may have accepted them; at the most. */
  readonly inDoubt: SpendLine;
}
