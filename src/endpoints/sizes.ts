import { FAL_DEFAULT_SIZE } from "./from-schema.js";
import { knownEndpoint } from "./registry.js";
import type { EndpointDefinition, ImageSizeValue, PixelSize } from "./types.js";

/**
 * Pixels for each `image_size` enum value. fal does not publish what Seedream renders for
 * the enum names; this table is the project's one assumption, used by the planner (to
 * price and name outputs) and by the emulator (to render). Every entry satisfies both
 * endpoints' size rules (each side ≥ 1920 or area ≥ 2560×1440).
 *
 * | enum | pixels |
 * |---|---|
 * | square_hd | 2048×2048 |
 * | square | 1920×1920 |
 * | portrait_4_3 | 1920×2560 |
 * | portrait_16_9 | 1440×2560 |
 * | landscape_4_3 | 2560×1920 |
 * | landscape_16_9 | 2560×1440 |
 * | auto_2K | aspect ratio of the first input image, area 2048×2048 |
 * | auto_3K | the same, area 3072×3072 |
 * | auto_4K | the same, area 4096×4096 |
 */
export const FIXED_ENUM_SIZES: Readonly<Record<string, PixelSize>> = {
  square_hd: { width: 2048, height: 2048 },
  square: { width: 1920, height: 1920 },
  portrait_4_3: { width: 1920, height: 2560 },
  portrait_16_9: { width: 1440, height: 2560 },
  landscape_4_3: { width: 2560, height: 1920 },
  landscape_16_9: { width: 2560, height: 1440 },
};

/** The `auto_*` enum values and the side of the square whose area they target. */
export const AUTO_ENUM_SIDES: Readonly<Record<string, number>> = {
  auto_2K: 2048,
  auto_3K: 3072,
  auto_4K: 4096,
};

/** Rounds to a multiple of 16, as image models' latent grids want. */
function round16(n: number): number {
  return Math.max(16, Math.round(n / 16) * 16);
}

/** Scales `size` so its area is `area`, keeping the aspect ratio. */
export function scaleToArea(size: PixelSize, area: number): PixelSize {
  const factor = Math.sqrt(area / (size.width * size.height));
  return { width: round16(size.width * factor), height: round16(size.height * factor) };
}

/** A `W:H` ratio as a number, or undefined when the text is not one. */
function ratioOf(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text);
  return m ? Number(m[1]) / Number(m[2]) : undefined;
}

/** The pixels of a `W:H` ratio at about `area` pixels (what the emulator renders for an aspect-ratio endpoint). */
export function ratioSize(ratio: string, area: number): PixelSize | undefined {
  const r = ratioOf(ratio);
  return r === undefined ? undefined : scaleToArea({ width: r * 1000, height: 1000 }, area);
}

/** The ratio of an endpoint's aspect-ratio enum that a `WIDTHxHEIGHT` size has (within 1 %), if any. */
function matchingRatio(endpoint: EndpointDefinition, size: PixelSize): string | undefined {
  const wanted = size.width / size.height;
  return endpoint.sizeEnum.find((v) => {
    const r = ratioOf(v);
    return r !== undefined && Math.abs(r / wanted - 1) < 0.01;
  });
}

/**
 * The input fields that carry a size for this endpoint's schema: `image_size`, the aspect ratio
 * a `WIDTHxHEIGHT` size has, or `width` and `height`; none for the endpoint's own default. Why
 * not, when the schema has no place for the size.
 */
export function sizeInput(
  endpoint: EndpointDefinition,
  value: ImageSizeValue,
): { fields: Record<string, unknown> } | { error: string } {
  const field = endpoint.sizeField;
  if (value === FAL_DEFAULT_SIZE && !endpoint.sizeEnum.includes(value)) return { fields: {} };
  if (!field) return { error: `${endpoint.model} takes no size (its schema has no size field)` };
  switch (field.kind) {
    case "image_size":
      return { fields: { [field.name]: value } };
    case "aspect_ratio": {
      if (typeof value === "string") return { fields: { [field.name]: value } };
      const ratio = matchingRatio(endpoint, value);
      return ratio
        ? { fields: { [field.name]: ratio } }
        : {
            error: `${value.width}x${value.height} has none of ${endpoint.model}'s aspect ratios (${endpoint.sizeEnum.join(", ")})`,
          };
    }
    case "width_height":
      return typeof value === "string"
        ? {
            error: `${endpoint.model} takes sizes as WIDTHxHEIGHT only (its schema has \`${field.width}\` and \`${field.height}\`)`,
          }
        : { fields: { [field.width]: value.width, [field.height]: value.height } };
  }
}

/**
 * The pixels an endpoint renders for a size value, or undefined when that cannot be known
 * before the run (an enum value the endpoint does not know, an aspect ratio, fal's own default).
 * `firstInput` (the first input image's size) decides the aspect ratio of the `auto_*` sizes;
 * without it they are square.
 */
export function resolvePixelSize(
  endpoint: EndpointDefinition,
  value: ImageSizeValue,
  firstInput?: PixelSize,
): PixelSize | undefined {
  if (endpoint.sizeField?.kind === "aspect_ratio") return undefined;
  if (typeof value !== "string") {
    const rule = endpoint.customSize;
    if (rule.kind === "area-rescaled") {
      const area = value.width * value.height;
      if (area < rule.minArea) return scaleToArea(value, rule.minArea);
      if (area > rule.maxArea) return scaleToArea(value, rule.maxArea);
    }
    return { width: value.width, height: value.height };
  }
  // The pixel table is Seedream's; what another model renders for an enum name is its own.
  if (!endpoint.sizeEnum.includes(value) || !knownEndpoint(endpoint.id)) return undefined;
  const fixed = FIXED_ENUM_SIZES[value];
  if (fixed) return fixed;
  const side = AUTO_ENUM_SIDES[value];
  if (side === undefined) return undefined;
  const aspect = firstInput ?? { width: 1, height: 1 };
  return scaleToArea(aspect, side * side);
}

/** Parses `2560x1440` into a size; undefined when the text is not of that form. */
export function parsePixelSize(text: string): PixelSize | undefined {
  const m = /^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$/.exec(text);
  if (!m) return undefined;
  return { width: Number(m[1]), height: Number(m[2]) };
}
