export type { PublishedFile } from "./publish.js";
export { type PublishOutcome, type PublishOutputOptions, publishOutput } from "./publish-output.js";
