/** A concrete output size in pixels. */
export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/** An `image_size` value as fal takes it: an enum name or `{ width, height }`. */
export type ImageSizeValue = string | PixelSize;

/**
 * How an endpoint treats a custom `{ width, height }`.
 * - `sides-or-area`: accepted when each side is within [minSide, maxSide] or the area within
 *   [minArea, maxArea]; anything else is refused with a 422 (Seedream v4.5).
 * - `area-rescaled`: an area outside [minArea, maxArea] is scaled into it, keeping the aspect
 *   ratio (Seedream v5 lite).
 * - `sides`: each side within [minSide, maxSide], as the schema's `ImageSize` bounds say (any
 *   other endpoint with a `{width, height}` size).
 * - `none`: the endpoint takes no custom size.
 */
export type CustomSizeRule =
  | {
      readonly kind: "sides-or-area";
      readonly minSide: number;
      readonly maxSide: number;
      readonly minArea: number;
      readonly maxArea: number;
    }
  | { readonly kind: "area-rescaled"; readonly minArea: number; readonly maxArea: number }
  | { readonly kind: "sides"; readonly minSide: number; readonly maxSide: number }
  | { readonly kind: "none" };

/**
 * Where a job's size goes in the input, as the endpoint's schema has it.
 * - `image_size`: one field taking an enum name or `{ width, height }` (Seedream, most fal image models).
 * - `aspect_ratio`: an enum of ratios such as `16:9`; a `WIDTHxHEIGHT` size is sent as its ratio.
 * - `width_height`: two integer fields; an enum name has no meaning there.
 */
export type SizeField =
  | { readonly kind: "image_size"; readonly name: string }
  | { readonly kind: "aspect_ratio"; readonly name: string }
  | { readonly kind: "width_height"; readonly width: string; readonly height: string };

/** One field error in fal's (FastAPI/pydantic) 422 shape. */
export interface FalFieldError {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

/** Where the schema in force came from: fal's Model Search API now, its cached answer, or the snapshot shipped in the package. */
export type SchemaSource = "fal" | "cache" | "snapshot";

/** Everything the project knows about one fal endpoint: its schema, plus hand-written rules where the schema is silent. */
export interface EndpointDefinition {
  /** Short model name used in manifests, or the endpoint id when the project has none. @example "seedream-v4.5" */
  readonly model: string;
  /** The fal endpoint id requests are sent to (fal's current one). @example "fal-ai/bytedance/seedream/v4.5/edit" */
  readonly id: string;
  /** Other ids fal has used for the same endpoint: a manifest may name any of them. */
  readonly aliases: readonly string[];
  /**
   * What job keys are computed from: stable across renames, so a renamed endpoint does not
   * make every job of a catalog look new (for the Seedream endpoints, the id their keys were
   * first made with).
   */
  readonly identity: string;
  readonly title: string;
  /** fal's model status: a deprecated endpoint still runs, with a warning. */
  readonly status: "active" | "deprecated";
  /** Where the schema in force came from, and when fal gave it (epoch ms; not for the snapshot). */
  readonly schema: { readonly source: SchemaSource; readonly fetchedAt?: number };
  /** The input that takes the input image URLs: a list (`image_urls`) or one URL (`image_url`). */
  readonly imageField: { readonly name: string; readonly list: boolean };
  /** Where sizes go; undefined when the schema has no size field (only the endpoint's default size runs). */
  readonly sizeField: SizeField | undefined;
  /** The size enum (`image_size` names or aspect ratios); empty when there is none. */
  readonly sizeEnum: readonly string[];
  /** The size sent when a manifest names none (the schema's default); a name of `sizeEnum` or `default`. */
  readonly defaultImageSize: string;
  readonly customSize: CustomSizeRule;
  /** fal keeps only the last N input images when more are sent. */
  readonly maxInputImages: number;
  readonly numImages: { readonly min: number; readonly max: number };
  readonly maxImages: { readonly min: number; readonly max: number };
  /** Input images + generated images may not exceed this (v4.5 only). */
  readonly maxTotalImages: number | undefined;
  /** Every input key the endpoint knows, with its kind. */
  readonly inputs: Readonly<Record<string, InputKind>>;
  /** Whether the output carries the `seed` used. */
  readonly returnsSeed: boolean;
  /** Price per generated image in USD when fal's pricing endpoint cannot say (the Seedream endpoints' published figure); undefined for others. */
  readonly pricePerImageUsd: number | undefined;
}

/** The kind of one endpoint input; `required` inputs get fal's "field required" 422. */
export type InputKind = { readonly required?: boolean } & (
  | { readonly type: "string" }
  | { readonly type: "integer"; readonly min?: number; readonly max?: number }
  | { readonly type: "number"; readonly min?: number; readonly max?: number }
  | { readonly type: "boolean" }
  | { readonly type: "image_size" }
  | { readonly type: "image_urls" }
  | { readonly type: "image_url" }
  | { readonly type: "enum"; readonly values: readonly string[] }
  /** A value the schema describes in a way the project does not check (an object, a list of objects): sent as written. */
  | { readonly type: "any" }
);
