export { canonicalJson } from "./canonical-json.js";
export { jobKey, planPipeline } from "./plan-pipeline.js";
export type { Job, Plan, Upload } from "./types.js";
