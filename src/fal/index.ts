export {
  createEditClient,
  describeFalError,
  type EditClient,
  type EditClientOptions,
  type FalStatus,
  type FalTarget,
  type SubmitOptions,
  toFalStatus,
  type UploadFile,
} from "./edit-client.js";
export { FalUnavailableError, isOutageAnswer, OutageGate, type OutageGateOptions } from "./outage-gate.js";
export {
  PLATFORM_API_BASE,
  type PlatformAccess,
  PlatformApiError,
} from "./platform-api.js";
export {
  type LoadPricesOptions,
  loadPrices,
  type PriceQuote,
  type PriceSource,
} from "./pricing.js";
export { redirectingFetch } from "./redirect-fetch.js";
export {
  createRequestHistory,
  type FindByInputQuery,
  type HistoryEntry,
  type HistoryQuery,
  inputDigest,
  type RequestHistory,
  type RequestHistoryOptions,
} from "./request-history.js";
export {
  type AccessChoice,
  credentialsFromEnv,
  describeSource,
  type FalAccess,
  falSource,
  resolveFalAccess,
} from "./resolve-access.js";
export { retryAfterDeadline } from "./retry-after.js";
export { type CallEvent, type FalOp, falOp, observingFetch, SubmitInDoubtError, Traffic } from "./traffic.js";
