export { buildReport, type RunFacts } from "./build-report.js";
export type { Report, ReportJob, ReportOutput } from "./types.js";
