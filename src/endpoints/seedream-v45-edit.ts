import type { EndpointDefinition } from "./types.js";

/** `fal-ai/bytedance/seedream/v4.5/edit`, from its API page (shared/reference). */
export const seedreamV45Edit: EndpointDefinition = {
  model: "seedream-v4.5",
  id: "fal-ai/bytedance/seedream/v4.5/edit",
  title: "Seedream 4.5 edit",
  sizeEnum: [
    "square_hd",
    "square",
    "portrait_4_3",
    "portrait_16_9",
    "landscape_4_3",
    "landscape_16_9",
    "auto_2K",
    "auto_4K",
  ],
  defaultImageSize: "auto_2K",
  customSize: {
    kind: "sides-or-area",
    minSide: 1920,
    maxSide: 4096,
    minArea: 2560 * 1440,
    maxArea: 4096 * 4096,
  },
  maxInputImages: 10,
  numImages: { min: 1, max: 6 },
  maxImages: { min: 1, max: 6 },
  maxTotalImages: 15,
  inputs: {
    prompt: { type: "string", required: true },
    image_urls: { type: "image_urls", required: true },
    image_size: { type: "image_size" },
    num_images: { type: "integer" },
    max_images: { type: "integer" },
    seed: { type: "integer" },
    sync_mode: { type: "boolean" },
    enable_safety_checker: { type: "boolean" },
  },
  returnsSeed: false,
  pricePerImageUsd: 0.04,
};
