export { type ReadManifestOptions, readManifest } from "./read-manifest.js";
export { manifestJsonSchema } from "./schema.js";
export type { ImageRef, JobTemplate, Located, Manifest, Row, TemplateField } from "./types.js";
