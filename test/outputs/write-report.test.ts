import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pruneRuns, readReportJobs, writeReportFile, writeRunReports } from "../../src/outputs/index.js";
import { reportSchema } from "../../src/report/index.js";
import { syntheticCatalogReport } from "../helpers/synthetic-report.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("report files", () => {
  it("report.json is streamed as valid JSON, one job a line, and read back a job at a time", async () => {
    const dir = await tempDir();
    const report = await syntheticCatalogReport(dir, { rows: 2_000, failed: [3], skippedEvery: 2 });
    const path = join(dir, "report.json");
    await writeReportFile(path, report);
    const text = await readFile(path, "utf8");
    expect(reportSchema.parse(JSON.parse(text))).toEqual(report);
    expect(text.split("\n").filter((l) => l.startsWith(`{"id":`))).toHaveLength(4_000);
    const back = [];
    for await (const job of readReportJobs(path)) back.push(job);
    expect(back).toEqual(report.jobs);
    const none = [];
    for await (const job of readReportJobs(join(dir, "missing.json"))) none.push(job);
    expect(none).toEqual([]);
  });

  it("runs/<run-id>.json holds only the jobs the run acted on, with the run's totals", async () => {
    const dir = await tempDir();
    const report = await syntheticCatalogReport(dir, { rows: 500, failed: [7], skippedEvery: 1 });
    await writeRunReports(dir, report, 30);
    const run = JSON.parse(await readFile(join(dir, "runs", `${report.run.id}.json`), "utf8"));
    expect(run.jobs.map((j: { id: string }) => j.id)).toEqual(["sku-000003-banner"]);
    expect(run.totals).toEqual(report.totals);
  });

  it("--keep-runs: the oldest run records beyond the number kept are removed", async () => {
    const dir = await tempDir();
    const runs = join(dir, "runs");
    const report = await syntheticCatalogReport(dir, { rows: 1, failed: [] });
    for (const t of ["01", "02", "03", "04"]) {
      await writeRunReports(
        dir,
        { ...report, run: { ...report.run, id: `2026-12-${t}T02-00-00-000Z-aa` } },
        3,
      );
      await writeFile(join(runs, `2026-12-${t}T02-00-00-000Z-aa.contact.png`), "");
    }
    expect((await readdir(runs)).sort()).toEqual([
      "2026-12-02T02-00-00-000Z-aa.contact.png",
      "2026-12-02T02-00-00-000Z-aa.json",
      "2026-12-03T02-00-00-000Z-aa.contact.png",
      "2026-12-03T02-00-00-000Z-aa.json",
      "2026-12-04T02-00-00-000Z-aa.contact.png",
      "2026-12-04T02-00-00-000Z-aa.json",
    ]);
    expect(await pruneRuns(runs, 1)).toEqual([
      "2026-12-02T02-00-00-000Z-aa.contact.png",
      "2026-12-02T02-00-00-000Z-aa.json",
      "2026-12-03T02-00-00-000Z-aa.contact.png",
      "2026-12-03T02-00-00-000Z-aa.json",
    ]);
  });
});
