export { ENDPOINTS, findEndpoint, findEndpointByPath, modelNames } from "./registry.js";
export { parsePixelSize, resolvePixelSize } from "./sizes.js";
export type { EndpointDefinition, FalFieldError, ImageSizeValue, InputKind, PixelSize } from "./types.js";
export { validateEndpointInput } from "./validate-input.js";
