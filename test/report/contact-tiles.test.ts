import { describe, expect, it } from "vitest";
import { CONTACT_SHEET_MAX_TILES, contactTiles } from "../../src/report/contact-tiles.js";
import { syntheticCatalogReport, syntheticJobId } from "../helpers/synthetic-report.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("contactTiles", () => {
  it("past 48 jobs keeps 48 tiles: the failures first, then what the run made", async () => {
    // The catalog-scale case (100,000 jobs) is `npm run bench -- scale`; the rule is the same at 4,000.
    const failed = [5, 2_800, 3_999];
    const report = await syntheticCatalogReport(await tempDir(), { rows: 2_000, failed, skippedEvery: 3 });
    const { title, tiles } = contactTiles(report);
    expect(tiles).toHaveLength(CONTACT_SHEET_MAX_TILES);
    expect(tiles.slice(0, 3)).toEqual(failed.map((i) => ({ label: syntheticJobId(i), kind: "failed" })));
    expect(new Set(tiles.slice(3).map((t) => t.kind))).toEqual(new Set(["made"]));
    expect(title).toBe(
      "catalog: 4000 jobs · 3 failed · 2664 made · 1333 up to date · showing 48 of 4000, failures first (the gallery has them all)",
    );
  });

  it("on a night that made nothing, shows what is up to date rather than an empty sheet", async () => {
    const report = await syntheticCatalogReport(await tempDir(), { rows: 3, failed: [], skippedEvery: 1 });
    const { title, tiles } = contactTiles(report);
    expect(tiles.map((t) => [t.label, t.kind])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => [syntheticJobId(i), "up to date"]),
    );
    expect(title).toBe("catalog: 6 jobs · 0 failed · 0 made · 6 up to date · showing all 6");
  });
});
