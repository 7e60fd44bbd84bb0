import type { EndpointDefinition, ImageSizeValue } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import type { Template } from "./template.js";

/** A place in a manifest or rows file, for messages: `file:line:column: field`. */
export interface Located {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
}

/** A template and where it was written. */
export interface TemplateField {
  readonly template: Template;
  readonly at: Located;
}

/** An input image as resolved at the boundary: a local file (read, hashed, decoded) or a URL. */
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

/** One row of variables (a CSV line or an inline object). */
export interface Row {
  /** 1-based data row number. */
  readonly index: number;
  readonly vars: Readonly<Record<string, string>>;
  /** Where the row is, and where each of its cells is. */
  readonly at: Located;
  readonly cellAt: (column: string) => Located;
}

/** A data row left out of the plan (`on_invalid_row: skip`), with every issue it has. */
export interface SkippedRow {
  /** 1-based data row number. */
  readonly row: number;
  readonly at: Located;
  readonly issues: readonly ManifestIssue[];
}

/** An entry of a job's `images`: a named set, or a templated path/URL/data URI. */
export type ImageEntry =
  | { readonly kind: "set"; readonly name: string; readonly sources: readonly TemplateField[] }
  | { readonly kind: "literal"; readonly source: TemplateField };

/** A size variant a job is expanded over. */
export interface SizeVariant {
  readonly name: string;
  readonly value: ImageSizeValue;
}

/** A job template, checked against its endpoint; expanded per row, size and seed by the planner. */
export interface JobTemplate {
  /** 0-based position in `jobs` (or the CSV data row). */
  readonly index: number;
  readonly at: Located;
  readonly id: TemplateField;
  /** Whether the id names {{size}} / {{seed}} itself; otherwise `-<size>` / `-seed<n>` is added. */
  readonly idNamesSize: boolean;
  readonly idNamesSeed: boolean;
  readonly endpoint: EndpointDefinition;
  /** The prompt's name in `prompts`, or `inline`. */
  readonly promptName: string;
  readonly prompt: TemplateField;
  readonly images: readonly ImageEntry[];
  readonly sizes: readonly SizeVariant[];
  readonly seeds: readonly number[] | undefined;
  /** Row filter: column → accepted values. */
  readonly when: Readonly<Record<string, readonly string[]>>;
  readonly whenAt: Located | undefined;
  /** Endpoint inputs (defaults, then the job's own), without prompt, image_urls, image_size and seed. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Where each input key was set (the job's `input`, or `defaults`). */
  readonly inputAt: Readonly<Record<string, Located>>;
  /** Where the job's images are named, for count errors. */
  readonly imagesAt: Located;
}

/** An output image format; `original` keeps what fal made. */
export type ImageFormat = "original" | "png" | "jpeg" | "webp" | "avif";

/** Exact pixels for an output. */
export interface ResizeSpec {
  readonly width: number;
  readonly height: number | undefined;
  readonly fit: "cover" | "contain" | "inside" | "fill";
  readonly background: string;
  readonly upscale: boolean;
}

/** How one output file is made from fal's image. */
export interface ImageSpec {
  readonly format: ImageFormat;
  readonly quality: number | undefined;
  readonly resize: ResizeSpec | undefined;
  readonly keepMetadata: boolean;
}

/** What a run makes of each image fal returns. */
export interface OutputSettings {
  readonly main: Omit<ImageSpec, "resize">;
  /** Exact sizes by size variant name. */
  readonly resize: Readonly<Record<string, ResizeSpec>>;
  readonly derivatives: ReadonlyArray<{ readonly name: string; readonly spec: ImageSpec }>;
  readonly derivativePath: TemplateField;
  readonly sidecar: boolean;
}

/** A validated manifest: everything past the boundary reads this, never raw YAML or CSV. */
export interface Manifest {
  /** Absolute path of the manifest file. */
  readonly file: string;
  /** The manifest path as the user gave it, for messages and the report. */
  readonly displayFile: string;
  readonly name: string;
  readonly format: "yaml" | "csv";
  /** The manifest's own model (jobs may override it). */
  readonly endpoint: EndpointDefinition;
  readonly jobs: readonly JobTemplate[];
  /** Rows of variables; one empty row when the manifest has none. */
  readonly rows: readonly Row[];
  /** The rows' file, as written (for messages), when rows come from a CSV. */
  readonly rowsFile: string | undefined;
  /**
   * The folder a local image path from the rows file resolves against (the rows file's own
   * folder, or `rows.base`); paths written in the manifest resolve against its folder.
   */
  readonly rowsBase: string | undefined;
  /** Where each image goes under the output folder. */
  readonly outputPath: TemplateField;
  readonly output: OutputSettings;
  /** USD per image by endpoint id. */
  readonly prices: Readonly<Record<string, number>>;
  readonly concurrency: number | "auto" | undefined;
  readonly maxCostUsd: number | undefined;
  /** The environment variables the templates name, read once at the boundary. */
  readonly env: Readonly<Record<string, string>>;
  /** What to do with a data row whose values are invalid: stop everything (`fail`) or run the rest (`skip`). */
  readonly onInvalidRow: "fail" | "skip";
  /** Things that will run but may surprise (e.g. a size fal will rescale). */
  readonly warnings: readonly string[];
}

/**
 * What reading gives: a manifest (with the issues found so far, if it could still be built, so
 * that the later stages can add theirs and every mistake is reported at once), or only issues.
 */
export type ReadResult =
  | {
      readonly ok: true;
      readonly manifest: Manifest;
      readonly issues: readonly ManifestIssue[];
      /** Rows already left out while reading (records of the rows file that could not be read). */
      readonly skipped: readonly SkippedRow[];
    }
  | { readonly ok: false; readonly issues: readonly ManifestIssue[] };
