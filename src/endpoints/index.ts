export { FAL_DEFAULT_SIZE } from "./from-schema.js";
export { endpointFromEntry, type ModelEntry, modelItem, parseModelItem } from "./model-entry.js";
export {
  ENDPOINTS,
  findEndpoint,
  findEndpointByPath,
  idsToAsk,
  knownEndpoint,
  modelNames,
  schemaOrigin,
  snapshotEntry,
} from "./registry.js";
export {
  type EndpointResolver,
  type ModelAnswer,
  type ResolvedEndpoints,
  resolveNames,
  shippedResolver,
} from "./resolver.js";
export { parsePixelSize, ratioSize, resolvePixelSize, sizeInput } from "./sizes.js";
export type {
  EndpointDefinition,
  FalFieldError,
  ImageSizeValue,
  InputKind,
  PixelSize,
} from "./types.js";
export { validateEndpointInput } from "./validate-input.js";
