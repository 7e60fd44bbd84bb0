export { readManifest } from "./read-manifest.js";
export type { ImageRef, Manifest } from "./types.js";
