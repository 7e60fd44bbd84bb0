export { expandManifest } from "./expand.js";

export { builtinVariables, renderOutputPath } from "./output-path.js";
export { falInput, type PlanInput, planPipeline } from "./plan-pipeline.js";
export {
  costRange,
  type EndpointPrice,
  type PriceAnswer,
  repriceJobs,
  repricePlan,
  roundUsd,
  settlePrices,
} from "./prices.js";
export type { Selection } from "./select.js";
export { settleRows, skippedWarnings } from "./settle-rows.js";
export {
  formatPlanSummary,
  planJson,
  schemaLine,
  schemasInForce,
  summarizePlan,
  writePlanJson,
} from "./summarize.js";
export type { Job, Plan, SkippedRow, Upload } from "./types.js";
