import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { writeReview } from "../../src/pipeline/write-review.js";
import { syntheticCatalogReport } from "../helpers/synthetic-report.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("writeReview", () => {
  it("at 100,000 jobs: a bounded contact sheet, a small first page, the rest in data pages", async () => {
    const dir = await tempDir();
    const report = await syntheticCatalogReport(dir, { rows: 50_000, failed: [1, 99_999] });
    const result = await writeReview(dir, report);
    expect(result.warnings).toEqual([]);
    const sheet = await sharp(join(dir, "contact-sheet.png")).metadata();
    expect([sheet.format, sheet.width, sheet.height]).toEqual(["png", 1760, 1604]);
    const pages = (await readdir(join(dir, ".gallery", "data"))).filter((n) => n.startsWith("page-"));
    expect(pages).toHaveLength(500);
    expect((await stat(join(dir, "index.html"))).size).toBeLessThan(50_000);
    // Only the four distinct images got thumbnails.
    expect((await readdir(join(dir, ".gallery"))).filter((n) => n.endsWith(".webp"))).toHaveLength(4);
    const last = await readFile(join(dir, ".gallery", "data", "page-500.js"), "utf8");
    expect(last).toContain('"i":"sku-049999-banner","s":"failed"');
  }, 120_000);

  it("a part that cannot be made is a warning naming it; the other part is still made", async () => {
    const dir = await tempDir();
    const report = await syntheticCatalogReport(dir, { rows: 3, failed: [2] });
    await mkdir(join(dir, "contact-sheet.png"));
    const result = await writeReview(dir, report);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^could not write the contact sheet: /);
    expect(result.gallery).toBe(join(dir, "index.html"));
    expect(result.contactSheet).toBeUndefined();
  });

  it("a smaller gallery removes the pages a larger one left", async () => {
    const dir = await tempDir();
    await writeReview(dir, await syntheticCatalogReport(dir, { rows: 300, failed: [] }));
    await writeReview(dir, await syntheticCatalogReport(dir, { rows: 150, failed: [] }));
    expect((await readdir(join(dir, ".gallery", "data"))).sort()).toEqual([
      "index.js",
      "page-1.js",
      "page-2.js",
    ]);
  });
});
