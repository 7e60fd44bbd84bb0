export {
  type Emulator,
  type EmulatorOptions,
  type RecordedRequest,
  startEmulator,
} from "./emulator/index.js";
export { ENDPOINTS, type EndpointDefinition, findEndpoint } from "./endpoints/index.js";
export { ManifestError, type ManifestIssue, PipelineError } from "./errors.js";
export { type FalAccess, resolveFalAccess } from "./fal/index.js";
export { type Manifest, readManifest } from "./manifest/index.js";
export { type Job, type Plan, planPipeline } from "./plan/index.js";
export type { Report } from "./report/index.js";
export { type ExecuteResult, executePlan } from "./run/execute-plan.js";
export { type RunPipelineOptions, runPipeline } from "./run/run-pipeline.js";
