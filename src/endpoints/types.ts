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
 */
export type CustomSizeRule =
  | {
      readonly kind: "sides-or-area";
      readonly minSide: number;
      readonly maxSide: number;
      readonly minArea: number;
      readonly maxArea: number;
    }
  | { readonly kind: "area-rescaled"; readonly minArea: number; readonly maxArea: number };

/** One field error in fal's (FastAPI/pydantic) 422 shape. */
export interface FalFieldError {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

/** Everything the project knows about one fal endpoint, declared once. */
export interface EndpointDefinition {
  /** Short model name used in manifests. @example "seedream-v4.5" */
  readonly model: string;
  /** The fal endpoint id. @example "fal-ai/bytedance/seedream/v4.5/edit" */
  readonly id: string;
  readonly title: string;
  /** The `image_size` enum this endpoint accepts. */
  readonly sizeEnum: readonly string[];
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
  /** Price per generated image in USD (fal's published figure; prices change). */
  readonly pricePerImageUsd: number;
}

/** The kind of one endpoint input; `required` inputs get fal's "field required" 422. */
export type InputKind = { readonly required?: boolean } & (
  | { readonly type: "string" }
  | { readonly type: "integer" }
  | { readonly type: "boolean" }
  | { readonly type: "image_size" }
  | { readonly type: "image_urls" }
  | { readonly type: "enum"; readonly values: readonly string[] }
);
