import { describe, expect, it } from "vitest";
import { findEndpoint, validateEndpointInput } from "../../src/endpoints/index.js";

const v45 = findEndpoint("seedream-v4.5");
const v5 = findEndpoint("seedream-v5-lite");
if (!v45 || !v5) throw new Error("endpoints missing");
const base = { prompt: "p", image_urls: ["https://x/a.png"] };

describe("validateEndpointInput", () => {
  it("accepts the examples of both API pages as they stand", () => {
    expect(
      validateEndpointInput(v45, { ...base, image_size: "auto_4K", num_images: 1, max_images: 1 }),
    ).toEqual([]);
    expect(
      validateEndpointInput(v5, {
        ...base,
        image_size: "auto_2K",
        num_images: 1,
        max_images: 1,
        enable_safety_checker: true,
      }),
    ).toEqual([]);
  });

  it("knows each model's own auto size", () => {
    expect(validateEndpointInput(v45, { ...base, image_size: "auto_3K" })[0]?.type).toBe("type_error.enum");
    // The current v5 lite schema (fal's, and the shipped snapshot) takes auto_4K.
    expect(validateEndpointInput(v5, { ...base, image_size: "auto_4K" })).toEqual([]);
    expect(validateEndpointInput(v5, { ...base, image_size: "auto_3K" })).toEqual([]);
  });

  it("applies v4.5's custom size rule: sides in 1920–4096, or the area in range", () => {
    const size = (width: number, height: number) =>
      validateEndpointInput(v45, { ...base, image_size: { width, height } });
    expect(size(1920, 4096)).toEqual([]);
    expect(size(2560, 1440)).toEqual([]); // sides out of range, area exactly the minimum
    expect(size(1280, 720)).toHaveLength(1);
    expect(size(4097, 4096)).toHaveLength(1);
    // v5 lite rescales instead of refusing
    expect(validateEndpointInput(v5, { ...base, image_size: { width: 1280, height: 720 } })).toEqual([]);
  });

  it("counts inputs and outputs against v4.5's limit of 15, and only there", () => {
    const ten = Array.from({ length: 10 }, (_, i) => `https://x/${i}.png`);
    expect(validateEndpointInput(v45, { prompt: "p", image_urls: ten, max_images: 5 })).toEqual([]);
    expect(
      validateEndpointInput(v45, { prompt: "p", image_urls: ten, max_images: 3, num_images: 2 }),
    ).toEqual([
      {
        loc: ["body", "max_images"],
        msg: "the total number of images (image inputs + image outputs) must not exceed 15; got 16",
        type: "value_error",
      },
    ]);
    expect(validateEndpointInput(v5, { prompt: "p", image_urls: ten, max_images: 3, num_images: 2 })).toEqual(
      [],
    );
  });

  it("reports every missing or mistyped field at once", () => {
    // In the schema's order of fields (image_urls last, as fal's page has it).
    expect(validateEndpointInput(v45, { num_images: 0, seed: "x", sync_mode: "yes" })).toEqual([
      { loc: ["body", "prompt"], msg: "field required", type: "value_error.missing" },
      {
        loc: ["body", "num_images"],
        msg: "ensure this value is greater than or equal to 1",
        type: "value_error.number.not_ge",
      },
      { loc: ["body", "seed"], msg: "value is not a valid integer", type: "type_error.integer" },
      { loc: ["body", "sync_mode"], msg: "value could not be parsed to a boolean", type: "type_error.bool" },
      { loc: ["body", "image_urls"], msg: "field required", type: "value_error.missing" },
    ]);
  });
});
