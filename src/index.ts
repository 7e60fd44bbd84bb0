export {
  type CapacityStep,
  type Emulator,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorStats,
  type RecordedRequest,
  startEmulator,
} from "./emulator/index.js";
export { ENDPOINTS, type EndpointDefinition, findEndpoint } from "./endpoints/index.js";
export { ManifestError, type ManifestIssue, PipelineError } from "./errors.js";
export { type FalAccess, resolveFalAccess } from "./fal/index.js";
export { type LoadedPlan, type LoadPlanOptions, loadPlan } from "./load/load-plan.js";
export { type Manifest, manifestJsonSchema, type ReadResult, readManifest } from "./manifest/index.js";
export {
  expandManifest,
  type Job,
  type Plan,
  type PlanInput,
  planPipeline,
  type SkippedRow,
  summarizePlan,
} from "./plan/index.js";
export { type PublishOutcome, type PublishOutputOptions, publishOutput } from "./publish/index.js";
export { type Report, reportJsonSchema, reportSchema } from "./report/index.js";
export { type Decision, DecisionStore, readDecisions } from "./review/index.js";
export { ConcurrencyController, type ControllerOptions } from "./run/controller.js";
export { type ExecuteOptions, type ExecuteResult, executePlan } from "./run/execute-plan.js";
export { type RunPipelineOptions, runPipeline } from "./run/run-pipeline.js";
