import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { canonicalJson } from "../../src/plan/canonical-json.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const URL_IN = "https://img.example/in.png";

/** The key as every release before #23 computed it: sha256 over the endpoint id, the input and the images. */
function keyBefore(endpointId: string, input: Record<string, unknown>): string {
  const material = canonicalJson({ endpoint: endpointId, input, images: [{ url: URL_IN }] });
  return createHash("sha256").update(material).digest("hex");
}

describe("job keys after a rename (#23)", () => {
  it("are today's keys for both Seedream endpoints, whichever of their names a manifest uses", async () => {
    const dir = await tempDir();
    const keys: Record<string, string> = {};
    for (const model of [
      "seedream-v5-lite",
      "bytedance/seedream/v5/lite/edit",
      "fal-ai/bytedance/seedream/v5/lite/edit",
      "seedream-v4.5",
    ]) {
      const file = join(dir, `${model.replace(/\W+/g, "-")}.yaml`);
      await writeFiles(dir, {
        [file.slice(dir.length + 1)]:
          `name: k\nmodel: ${model}\nimages: { a: ${URL_IN} }\nprompts: { p: hi }\nsizes: { s: square }\n`,
      });
      const [job] = (await loadPlan(file, { env: {} })).plan.jobs;
      keys[model] = job?.key ?? "";
    }
    const input = { prompt: "hi", image_size: "square" };
    expect(keys["seedream-v5-lite"]).toBe(keyBefore("fal-ai/bytedance/seedream/v5/lite/edit", input));
    expect(keys["bytedance/seedream/v5/lite/edit"]).toBe(keys["seedream-v5-lite"]);
    expect(keys["fal-ai/bytedance/seedream/v5/lite/edit"]).toBe(keys["seedream-v5-lite"]);
    expect(keys["seedream-v4.5"]).toBe(keyBefore("fal-ai/bytedance/seedream/v4.5/edit", input));
  });
});
