export { canonicalJson } from "./canonical-json.js";
export {
  expandManifest,
  type ImageUse,
  type JobDraft,
  orderInput,
  rememberExpansion,
  type Selection,
  selectDrafts,
} from "./expand.js";
export { imageKey } from "./image-key.js";
export { builtinVariables, OUTPUT_VARIABLES, renderOutputPath, unsafeOutputPath } from "./output-path.js";
export { falInput, jobKey, planPipeline, roundUsd } from "./plan-pipeline.js";
export { formatPlanSummary, type PlanSummary, planJson, summarizePlan, writePlanJson } from "./summarize.js";
export type { Job, Plan, Upload } from "./types.js";
