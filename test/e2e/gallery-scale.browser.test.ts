import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { writeReportFile } from "../../src/outputs/index.js";
import { CHROMIUM, ensureChromium } from "../helpers/chromium.js";
import { runCli } from "../helpers/run-cli.js";
import { syntheticCatalogReport, syntheticJobId } from "../helpers/synthetic-report.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const missing = ensureChromium();
if (missing) console.warn(`gallery scale browser test skipped: ${missing}`);

interface FirstImage {
  readonly complete: boolean;
  readonly naturalWidth: number;
}

const ROWS = 10_000;
const JOBS = ROWS * 2;
const FAILED = [3, 7_001, JOBS - 1];

describe.skipIf(missing !== undefined)("a 20,000-job gallery in headless Chromium, opened from disk", () => {
  it("shows its first screen quickly, pages, filters across pages, and reaches a failure on the last page", async () => {
    const dir = await tempDir();
    await writeReportFile(
      join(dir, "report.json"),
      await syntheticCatalogReport(dir, { rows: ROWS, failed: FAILED, skippedEvery: 5 }),
    );
    const r = await runCli(["report", dir]);
    expect([r.code, r.stderr]).toEqual([0, ""]);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const ready = () => page.waitForSelector('body[data-busy="0"]');
      const ids = () => page.$$eval(".variant code", (els) => els.map((e) => e.textContent));
      const where = () => page.textContent("#where");
      const started = performance.now();
      await page.goto(`file://${join(dir, "index.html")}`);
      await ready();
      await page.waitForFunction(() => {
        const img = (globalThis as unknown as { document: { images: ArrayLike<FirstImage> } }).document
          .images[0];
        return img?.complete === true && img.naturalWidth > 0;
      });
      // Measured, not asserted: a timing bound would fail on a loaded machine, not on a bug.
      console.log(`gallery of ${JOBS} jobs: first screen in ${Math.round(performance.now() - started)} ms`);
      expect(await where()).toBe(`page 1 of 100 · ${JOBS} jobs`);
      expect((await ids()).slice(0, 3)).toEqual([0, 1, 2].map(syntheticJobId));
      expect(await page.$$eval(".variant", (els) => els.length)).toBe(200);
      // Each tile names its model; an up-to-date job says so, in the words the summary uses.
      expect(await page.textContent("#job-sku-000000-square .model")).toBe("seedream-v5-lite");
      expect(await page.textContent("#job-sku-000000-square .status")).toBe("up to date");
      await mkdir("output/test-artifacts", { recursive: true });
      await page.screenshot({ path: "output/test-artifacts/gallery-scale.png" });

      await page.click("#next");
      await ready();
      expect(await where()).toBe(`page 2 of 100 · ${JOBS} jobs`);
      expect((await ids())[0]).toBe(syntheticJobId(200));

      // The status filter finds the failures on every page.
      await page.selectOption("#status", "failed");
      await ready();
      expect(await ids()).toEqual(FAILED.map(syntheticJobId));
      expect(await where()).toBe("page 1 of 1 · 3 matching jobs");

      // Size and text narrow together, across pages.
      await page.selectOption("#status", "");
      await page.selectOption("#size", "banner");
      await page.fill("#q", "sku-009999");
      await ready();
      expect(await ids()).toEqual([syntheticJobId(JOBS - 1)]);
      await page.selectOption("#size", "square");
      await page.fill("#q", "");
      await ready();
      expect(await where()).toBe(`page 1 of 50 · ${ROWS} matching jobs`);

      // The summary lists the failures; the last one opens on the last page, marked.
      await page.goto(`file://${join(dir, "index.html")}`);
      await ready();
      await page.click(`.failures a:text-is("${syntheticJobId(JOBS - 1)}")`);
      await ready();
      expect(await where()).toBe(`page 100 of 100 · ${JOBS} jobs`);
      expect(await page.textContent(".variant.target code")).toBe(syntheticJobId(JOBS - 1));
      expect(await page.textContent(".variant.target .error")).toBe("flagged content in row 9999");
      await page.screenshot({ path: "output/test-artifacts/gallery-scale-last-failure.png" });
    } finally {
      await browser.close();
    }
  }, 240_000);
});
