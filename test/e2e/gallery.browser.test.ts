import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { CHROMIUM, ensureChromium } from "../helpers/chromium.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-gallery";
const tempDir = useTempDirs();
const missing = ensureChromium();
if (missing) console.warn(`gallery browser test skipped: ${missing}`);

describe.skipIf(missing !== undefined)("the review gallery in headless Chromium, opened from disk", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10, blockedWords: ["forbidden"] });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("shows every thumbnail, the failed jobs' errors, and filters", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 640, 480, "#c8ccd4");
    await writePng(join(dir, "product.png"), 300, 300, "#b03040");
    await writeFile(
      join(dir, "m.yaml"),
      `name: review
model: seedream-v5-lite
images: { studio: ./studio.png, product: ./product.png }
prompts: { p: "{{name}} in the studio of Figure 1" }
sizes: { square: square_hd, banner: landscape_16_9 }
rows:
  - { sku: A1, name: Red runner }
  - { sku: B2, name: Blue boot }
  - { sku: C3, name: A forbidden thing }
jobs: [{ id: "{{sku}}", prompt: p }]
output:
  derivatives: { thumb: 512 webp }
`,
    );
    const out = join(dir, "out");
    const r = await runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator.url], {
      env: { FAL_KEY: KEY },
    });
    expect(r.code).toBe(1);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
      await page.goto(`file://${join(out, "review", "index.html")}`);
      await page.waitForSelector('body[data-busy="0"]');
      await page.waitForFunction(() =>
        [
          ...(
            globalThis as unknown as {
              document: { images: Iterable<{ complete: boolean; naturalWidth: number }> };
            }
          ).document.images,
        ].every((i) => i.complete && i.naturalWidth > 0),
      );
      // Every thumbnail loaded from disk: the four results, and each product's two inputs.
      const widths = (selector: string) =>
        page.$$eval(selector, (imgs) =>
          imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
        );
      const results = await widths(".variant img");
      expect(results).toHaveLength(4);
      for (const w of results) expect(w).toBeGreaterThan(0);
      expect(await page.$$eval(".group h2", (els) => els.map((e) => e.textContent))).toEqual([
        "Red runner — p",
        "Blue boot — p",
        "A forbidden thing — p",
      ]);
      const inputs = await widths(".group .inputs img");
      expect(inputs).toHaveLength(6);
      for (const w of inputs) expect(w).toBeGreaterThan(0);
      // The review app's words: a status reads "made", not "succeeded".
      expect(await page.$$eval(".variant .status", (els) => els.map((e) => e.textContent))).toContain("made");
      // Failed jobs show their error inline.
      const errors = await page.$$eval(".variant.failed .error", (els) => els.map((e) => e.textContent));
      expect(errors).toEqual([
        "prompt: The content could not be processed because it contained material flagged by a content checker.",
        "prompt: The content could not be processed because it contained material flagged by a content checker.",
      ]);
      await mkdir("output/test-artifacts", { recursive: true });
      await page.screenshot({ path: "output/test-artifacts/gallery.png", fullPage: true });
      // The status filter shows only failed variants.
      await page.selectOption("#status", "failed");
      await page.waitForSelector('body[data-busy="0"]');
      const visible = await page.$$eval(".variant:not(.hidden)", (els) =>
        els.map((e) => (e as unknown as { dataset: { status?: string } }).dataset.status),
      );
      expect(visible).toEqual(["failed", "failed"]);
      // The size and text filters narrow together.
      await page.selectOption("#status", "");
      await page.selectOption("#size", "banner");
      await page.fill("#q", "blue");
      await page.waitForSelector('body[data-busy="0"]');
      const shown = await page.$$eval(".variant:not(.hidden) code", (els) => els.map((e) => e.textContent));
      expect(shown).toEqual(["B2-banner"]);
      await page.screenshot({ path: "output/test-artifacts/gallery-filtered.png", fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
