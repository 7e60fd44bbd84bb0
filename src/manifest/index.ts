export { ENV_PREFIX } from "./env-access.js";
export { LIMITS } from "./limits.js";
export { type BoundedRead, formatBytes, readRegularFile } from "./read-bounded.js";
export { type ReadManifestOptions, readManifest } from "./read-manifest.js";
export { manifestJsonSchema } from "./schema.js";
export type {
  ImageFormat,
  ImageRef,
  ImageSpec,
  JobTemplate,
  Located,
  Manifest,
  OutputSettings,
  ReadResult,
  ResizeSpec,
  Row,
  TemplateField,
} from "./types.js";
