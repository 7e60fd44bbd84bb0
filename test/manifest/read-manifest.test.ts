import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestError } from "../../src/errors.js";
import { readManifest } from "../../src/manifest/index.js";
import { writePng } from "../helpers/images.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

async function errorsOf(text: string, setup?: (dir: string) => Promise<void>): Promise<string[]> {
  const dir = await tempDir();
  await setup?.(dir);
  const file = join(dir, "m.yaml");
  await writeFile(file, text);
  const error = await readManifest(file).catch((e: unknown) => e);
  if (!(error instanceof ManifestError)) throw new Error(`expected a ManifestError, got ${String(error)}`);
  return error.issues.map((i) => `${i.line}:${i.column} ${i.field}: ${i.message}`);
}

describe("readManifest", () => {
  it("reads the demo pipeline into a typed manifest", async () => {
    const m = await readManifest("pipelines/demo.yaml");
    expect(m.endpoint.id).toBe("fal-ai/bytedance/seedream/v4.5/edit");
    expect(m.images.map((s) => [s.name, s.refs.map((r) => r.kind)])).toEqual([
      ["studio", ["file"]],
      ["product", ["file"]],
      ["brand", ["file"]],
    ]);
    expect(m.sizes.map((s) => s.name)).toEqual(["square", "banner", "story"]);
  });

  it("reads the v5-lite campaign example", async () => {
    const m = await readManifest("pipelines/campaign-v5-lite.yaml");
    expect(m.endpoint.model).toBe("seedream-v5-lite");
    expect(m.sizes[1]).toEqual({ name: "web-banner", value: { width: 3072, height: 1536 } });
  });

  it("locates every schema error at once", async () => {
    const errors = await errorsOf(
      "name: my pipeline\nmodel: seedream-v4.5\nimgaes: {}\nimages:\n  a: https://x.example/a.png\nprompts:\n  p: 3\n",
    );
    expect(errors).toEqual([
      "1:7 name: must start with a letter or digit and hold only letters, digits, '.', '_' and '-'",
      "3:1 imgaes: unknown key `imgaes`",
      "7:6 prompts.p: Invalid input: expected string, received number",
    ]);
  });

  it("checks sizes and defaults against the model", async () => {
    const errors = await errorsOf(
      `name: m
model: seedream-v4.5
defaults:
  enhance_prompt_mode: fast
  num_images: 9
images:
  a: https://x.example/a.png
prompts:
  p: hi
sizes:
  big: auto_3K
  small: { width: 1000, height: 800 }
`,
    );
    expect(errors).toEqual([
      "4:3 defaults.enhance_prompt_mode: `enhance_prompt_mode` is not an input of seedream-v4.5",
      "5:15 defaults.num_images: ensure this value is less than or equal to 6",
      "11:8 sizes.big: value is not a valid enumeration member; permitted: 'square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3', 'landscape_16_9', 'auto_2K', 'auto_4K' (model seedream-v4.5)",
      "12:10 sizes.small: width and height must be between 1920 and 4096, or total pixels between 3686400 and 16777216; got 1000x800 (model seedream-v4.5)",
    ]);
  });

  it("finds missing files, non-images and bad schemes in the image sets", async () => {
    const errors = await errorsOf(
      `name: m
model: seedream-v5-lite
images:
  a: [./ok.png, ./missing.png, ./notes.png]
  b: ftp://host/x.png
prompts: { p: hi }
`,
      async (dir) => {
        await writePng(join(dir, "ok.png"), 10, 10);
        await writeFile(join(dir, "notes.png"), "not really a png");
      },
    );
    expect(errors.map((e) => e.replace(/\/tmp\/[^ :]+\//g, "<dir>/"))).toEqual([
      "4:17 images.a.1: file not found: <dir>/missing.png",
      expect.stringMatching(/^4:32 images\.a\.2: <dir>\/notes\.png is not an image: /),
      "5:6 images.b: unsupported URL scheme `ftp:`; use a local path, http(s) or data:",
    ]);
  });

  it("refuses more than 10 input images", async () => {
    const urls = Array.from({ length: 11 }, (_, i) => `https://x.example/${i}.png`).join(", ");
    expect(
      await errorsOf(`name: m\nmodel: seedream-v4.5\nimages:\n  a: [${urls}]\nprompts: { p: hi }\n`),
    ).toEqual([
      "3:1 images: 11 input images; seedream-v4.5 takes at most 10 (fal would silently drop the first 1)",
    ]);
  });

  it("reports YAML syntax errors, an empty file and a missing file", async () => {
    expect(await errorsOf("name: [unclosed\nmodel: x\n")).toEqual([
      "2:1 : YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(await errorsOf("")).toEqual(["1:1 : the manifest is empty"]);
    const missing = await readManifest("/nonexistent/m.yaml").catch((e: ManifestError) => e.message);
    expect(missing).toBe("/nonexistent/m.yaml:1:1: file not found");
  });
});
