export { buildReport, outputEntry, type RunFacts } from "./build-report.js";
export { countJobs } from "./merge-report.js";
export { reportJsonSchema, reportSchema } from "./schema.js";
export { type Report, type ReportJob, type ReportOutput, reiterable, type StreamedReport } from "./types.js";
