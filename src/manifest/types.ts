import type { EndpointDefinition, ImageSizeValue } from "../endpoints/index.js";

/** An input image as the manifest names it, resolved at the boundary. */
export type ImageRef =
  | {
      readonly kind: "file";
      /** Absolute path on this machine. */
      readonly path: string;
      /** As written in the manifest, for messages and the report. */
      readonly source: string;
      readonly sha256: string;
      readonly bytes: number;
      readonly contentType: string;
      readonly width: number;
      readonly height: number;
    }
  | { readonly kind: "url"; readonly url: string };

/** A validated manifest: everything past the boundary reads this, never raw YAML. */
export interface Manifest {
  /** Absolute path of the manifest file. */
  readonly file: string;
  readonly name: string;
  readonly endpoint: EndpointDefinition;
  /** Endpoint inputs applied to every job. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Named image sets, in declaration order. */
  readonly images: ReadonlyArray<{ readonly name: string; readonly refs: readonly ImageRef[] }>;
  /** Named prompts, in declaration order. */
  readonly prompts: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  /** Named size variants, in declaration order. */
  readonly sizes: ReadonlyArray<{ readonly name: string; readonly value: ImageSizeValue }>;
  /** Requests in flight at once, when the manifest fixes it. */
  readonly concurrency: number | undefined;
}
