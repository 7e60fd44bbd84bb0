export { FalAnswerRefusedError } from "./answer-rules.js";
export {
  createEditClient,
  describeFalError,
  type EditClient,
  type FalStatus,
} from "./edit-client.js";
export { StreamSilentError } from "./follow-stream.js";
export { mediaFetch } from "./media-fetch.js";
export { loadModels } from "./model-search.js";
export { FalUnavailableError, isOutageAnswer, OutageGate } from "./outage-gate.js";
export {
  type PlatformAccess,
  PlatformApiError,
  platformGet,
} from "./platform-api.js";
export { loadPrices } from "./pricing.js";
export { type FalRequestRef, type QueueUrls, streamUrlOf } from "./queue-urls.js";
export { redirectingFetch } from "./redirect-fetch.js";
export {
  createRequestHistory,
  type HistoryEntry,
  type HistoryQuery,
  inputDigest,
  type RequestHistory,
} from "./request-history.js";
export {
  credentialsFromEnv,
  describeSource,
  type FalAccess,
  falSource,
  resolveFalAccess,
} from "./resolve-access.js";

export { checkResultImages, checkResultUrl } from "./result-urls.js";
export { NotSentError, Traffic } from "./traffic.js";
