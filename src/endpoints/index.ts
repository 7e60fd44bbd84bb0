export { ENDPOINTS, findEndpoint, findEndpointByPath, modelNames } from "./registry.js";
export { FIXED_ENUM_SIZES, parsePixelSize, resolvePixelSize } from "./sizes.js";
export type { EndpointDefinition, FalFieldError, ImageSizeValue, InputKind, PixelSize } from "./types.js";
export { validateEndpointInput } from "./validate-input.js";
