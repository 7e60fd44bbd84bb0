export { canonicalJson } from "./canonical-json.js";
export type { Expansion, ImageUse, JobDraft } from "./draft.js";
export { expandManifest } from "./expand.js";
export { imageKey } from "./image-key.js";
export { orderInput } from "./order-input.js";
export { builtinVariables, OUTPUT_VARIABLES, renderOutputPath, unsafeOutputPath } from "./output-path.js";
export { falInput, jobKey, type PlanInput, planPipeline } from "./plan-pipeline.js";
export {
  costRange,
  type EndpointPrice,
  manifestPrices,
  type PriceAnswer,
  type PriceSource,
  repriceJobs,
  repricePlan,
  roundUsd,
  settlePrices,
} from "./prices.js";
export { type Selection, selectDrafts } from "./select.js";
export { type Settled, type StageFindings, settleRows, skippedWarnings } from "./settle-rows.js";
export { formatPlanSummary, type PlanSummary, planJson, summarizePlan, writePlanJson } from "./summarize.js";
export type { Job, Plan, SkippedRow, Upload } from "./types.js";
