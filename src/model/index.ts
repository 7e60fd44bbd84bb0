/**
 * The job vocabulary every layer shares: where a job stands (phase), how it ended (outcome),
 * what went wrong (failure, stage), a submit in doubt, the image record and the spend. Types and
 * pure helpers only: nothing here does IO.
 */
export * from "./doubt.js";
export * from "./failure.js";
export * from "./image-record.js";
export * from "./job-outcome.js";
export * from "./job-phase.js";
export * from "./kept-image.js";
export * from "./queue-urls.js";
export * from "./spend.js";
