import type { InputImage } from "./review-items.js";

/** Each job key's input images, and the local file of each input by content hash. */
export interface ReviewInputs {
  readonly byKey: ReadonlyMap<string, readonly InputImage[]>;
  readonly files: ReadonlyMap<string, string>;
  /** Why inputs cannot be shown, when the manifest cannot be read. */
  readonly warning?: string;
}

/**
 * Finds the input images of a report's jobs from its manifest path. The review app does not plan
 * manifests itself: the caller passes the pipeline's (`loadReviewInputs`), so review stays below it.
 */
export type LoadReviewInputs = (manifestPath: string) => Promise<ReviewInputs>;

/** Shows no inputs: for a review of results alone. */
export const noReviewInputs: LoadReviewInputs = async () => ({ byKey: new Map(), files: new Map() });
