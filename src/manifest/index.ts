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
