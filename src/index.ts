/**
 * The library API: read a manifest, plan it, run it, and the errors and types of what they
 * return. The CLI is a shell over these. The fal-protocol emulator, a test double, is not here:
 * it is `seedream-pipeline/emulator`.
 */
export { type ErrorCode, ManifestError, type ManifestIssue, PipelineError } from "./errors.js";
export { type FalAccess, resolveFalAccess } from "./fal/index.js";
export { type Manifest, manifestJsonSchema, type ReadResult, readManifest } from "./manifest/index.js";
export type { JobOutcome, JobPhase, Spend } from "./model/index.js";
export { type LoadedPlan, type LoadPlanOptions, loadPlan } from "./pipeline/load-plan.js";
export { type PipelineResult, type RunPipelineOptions, runPipeline } from "./pipeline/run-pipeline.js";
export { type Job, type Plan, type PlanInput, type SkippedRow, summarizePlan } from "./plan/index.js";
export { type PublishOutcome, type PublishOutputOptions, publishOutput } from "./publish/index.js";
export { type Report, type ReportJob, reportJsonSchema, reportSchema } from "./report/index.js";
export { type Decision, DecisionStore, readDecisions } from "./review/index.js";
