export { type Destination, type DestinationSpec, type Existing, parseDestination } from "./destination.js";
export { folderDestination } from "./folder-destination.js";
export { type NotFromFal, notFromFal } from "./made-by.js";
export { type HeldBack, type PublishItem, type PublishSelection, planPublish } from "./plan-publish.js";
export {
  MANIFEST_KEY,
  type PublishedFile,
  type PublishOptions,
  type PublishResult,
  publish,
} from "./publish.js";
export { type PublishOutcome, type PublishOutputOptions, publishOutput } from "./publish-output.js";
export { ENDPOINT_DEFAULT_REGION, type S3Options, s3Destination } from "./s3-destination.js";
