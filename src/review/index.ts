export { DecisionStore, type NewDecision, readDecisions, reviewStateDir } from "./decision-store.js";
export {
  type Decision,
  decisionInput,
  imageId,
  latestDecisions,
  parseDecisions,
  type ReviewState,
} from "./decisions.js";
export { readReportFile } from "./read-report-file.js";
export type { LoadReviewInputs, ReviewInputs } from "./review-inputs.js";
export type { InputImage } from "./review-items.js";
export {
  countReviews,
  type DecisionIndex,
  type ImageReview,
  indexDecisions,
  type ReviewCounts,
  reviewOf,
} from "./review-status.js";
