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
      properties: Record<string, { anyOf?: { enum?: string[]; pattern?: string }[]; properties?: object }>;
    };
    // The short names and every id of the shipped endpoints, or any other fal endpoint id (#23).
    expect(schema.properties.model?.anyOf?.[0]?.enum).toEqual([
      "seedream-v4.5",
      "fal-ai/bytedance/seedream/v4.5/edit",
      "seedream-v5-lite",
      "bytedance/seedream/v5/lite/edit",
      "fal-ai/bytedance/seedream/v5/lite/edit",
    ]);
    expect(schema.properties.model?.anyOf?.[1]?.pattern).toBe("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+$");
    expect(Object.keys(schema.properties.defaults?.properties ?? {})).toEqual([
      "image_size",
      "num_images",
      "max_images",
      "seed",
      "sync_mode",
      "enable_safety_checker",
    ]);
  });
});
