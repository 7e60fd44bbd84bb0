import type { EndpointDefinition } from "./types.js";

/** `fal-ai/bytedance/seedream/v5/lite/edit`, from its API page (shared/reference). */
export const seedreamV5LiteEdit: EndpointDefinition = {
  model: "seedream-v5-lite",
  id: "fal-ai/bytedance/seedream/v5/lite/edit",
  title: "Seedream 5.0 Lite edit",
  sizeEnum: [
    "square_hd",
    "square",
    "portrait_4_3",
    "portrait_16_9",
    "landscape_4_3",
    "landscape_16_9",
    "auto_2K",
    "auto_3K",
  ],
  defaultImageSize: "auto_2K",
  customSize: { kind: "area-rescaled", minArea: 2560 * 1440, maxArea: 3072 * 3072 },
  maxInputImages: 10,
  numImages: { min: 1, max: 6 },
  maxImages: { min: 1, max: 6 },
  maxTotalImages: undefined,
  inputs: {
    prompt: { type: "string", required: true },
    image_urls: { type: "image_urls", required: true },
    image_size: { type: "image_size" },
    num_images: { type: "integer" },
    max_images: { type: "integer" },
    seed: { type: "integer" },
    sync_mode: { type: "boolean" },
    enable_safety_checker: { type: "boolean" },
    enhance_prompt_mode: { type: "enum", values: ["standard", "fast"] },
  },
  returnsSeed: true,
  pricePerImageUsd: 0.035,
};
