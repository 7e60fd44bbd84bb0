export { DecisionStore, readDecisions, reviewStateDir } from "./decision-store.js";
export type { Decision } from "./decisions.js";

export type { ReviewInputs } from "./review-inputs.js";
export type { InputImage } from "./review-items.js";
export {
  countReviews,
  type DecisionIndex,
  indexDecisions,
  reviewOf,
} from "./review-status.js";
