export { buildReport, type RunFacts } from "./build-report.js";
export { reportJsonSchema, reportSchema } from "./schema.js";
export type { Report, ReportJob, ReportOutput } from "./types.js";
