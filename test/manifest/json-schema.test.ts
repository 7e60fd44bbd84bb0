import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { manifestJsonSchema } from "../../src/manifest/index.js";

describe("the manifest's JSON Schema", () => {
  it("is committed as generated (npm run schema), so editors see the current language", async () => {
    const committed = JSON.parse(await readFile("schema/manifest.schema.json", "utf8"));
    expect(committed).toEqual(manifestJsonSchema());
  });

  it("offers the models and the endpoint inputs for autocompletion", () => {
    const schema = manifestJsonSchema() as {
      properties: Record<string, { enum?: string[]; properties?: object }>;
    };
    expect(schema.properties.model?.enum).toEqual([
      "seedream-v4.5",
      "fal-ai/bytedance/seedream/v4.5/edit",
      "seedream-v5-lite",
      "fal-ai/bytedance/seedream/v5/lite/edit",
    ]);
    expect(Object.keys(schema.properties.defaults?.properties ?? {})).toEqual([
      "image_size",
      "num_images",
      "max_images",
      "seed",
      "sync_mode",
      "enable_safety_checker",
      "enhance_prompt_mode",
    ]);
  });
});
