import type { EndpointRules } from "./from-schema.js";
import type { CustomSizeRule } from "./types.js";

/** One of the endpoints the project has a short name and hand-written rules for. */
export interface KnownEndpoint {
  /** fal's current id: what is sent, and what fal's Model Search API is asked first. */
  readonly id: string;
  /** Earlier ids of the same endpoint, still accepted in manifests and asked of fal after `id`. */
  readonly aliases: readonly string[];
  /** The id job keys were first computed with: kept, so renames never make a catalog new. */
  readonly identity: string;
  /** The snapshot file shipped in the package, under `snapshots/`. */
  readonly snapshot: string;
  readonly rules: EndpointRules;
}

/** `WxH` pairs written in a size field's description, as areas (fal states pixel bounds only in words). */
function areasIn(description: string): number[] {
  return [...description.matchAll(/(\d{3,5})\s*[x*×]\s*(\d{3,5})/g)].map((m) => Number(m[1]) * Number(m[2]));
}

/** The area bounds a description states, else the ones given. */
function areaBounds(description: string, min: number, max: number): { minArea: number; maxArea: number } {
  const areas = areasIn(description);
  return areas.length === 2
    ? { minArea: Math.min(...areas), maxArea: Math.max(...areas) }
    : { minArea: min, maxArea: max };
}

/**
 * The Seedream edit endpoints, from their API pages: what their schemas do not say in fields
 * (pixel bounds, the 15-image total, that a v5 lite size out of range is rescaled rather than
 * refused, the published prices used when fal's pricing endpoint cannot be asked).
 */
export const SEEDREAM_ENDPOINTS: readonly KnownEndpoint[] = [
  {
    id: "fal-ai/bytedance/seedream/v4.5/edit",
    aliases: [],
    identity: "fal-ai/bytedance/seedream/v4.5/edit",
    snapshot: "seedream-v45-edit.json",
    rules: {
      model: "seedream-v4.5",
      title: "Seedream 4.5 edit",
      maxInputImages: 10,
      maxTotalImages: 15,
      returnsSeed: false,
      pricePerImageUsd: 0.04,
      customSize: (description): CustomSizeRule => ({
        kind: "sides-or-area",
        minSide: 1920,
        maxSide: 4096,
        ...areaBounds(description, 2560 * 1440, 4096 * 4096),
      }),
    },
  },
  {
    // fal's client types and public code moved v5 lite from the `fal-ai` owner to `bytedance`.
    id: "bytedance/seedream/v5/lite/edit",
    aliases: ["fal-ai/bytedance/seedream/v5/lite/edit"],
    identity: "fal-ai/bytedance/seedream/v5/lite/edit",
    snapshot: "seedream-v5-lite-edit.json",
    rules: {
      model: "seedream-v5-lite",
      title: "Seedream 5.0 Lite edit",
      maxInputImages: 10,
      returnsSeed: true,
      pricePerImageUsd: 0.035,
      customSize: (description): CustomSizeRule => ({
        kind: "area-rescaled",
        ...areaBounds(description, 2560 * 1440, 4096 * 4096),
      }),
    },
  },
];
