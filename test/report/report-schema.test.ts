import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { reportJsonSchema, reportSchema } from "../../src/report/index.js";

describe("the report's JSON Schema", () => {
  it("is committed as generated (npm run schema)", async () => {
    expect(JSON.parse(await readFile("schema/report.schema.json", "utf8"))).toEqual(reportJsonSchema());
  });

  it("refuses totals that do not add up", () => {
    const totals = {
      jobs: 3,
      succeeded: 1,
      failed: 1,
      skipped: 0,
      canceled: 0,
      unfinished: 0,
      not_run: 0,
      images: 1,
      bytes: 1,
      estimated_cost_usd: { min: 0, max: 0 },
      cost_usd: 0,
    };
    const shape = reportSchema.shape.totals;
    expect(shape.safeParse(totals).success).toBe(false);
    expect(shape.safeParse({ ...totals, not_run: 1 }).success).toBe(true);
    expect(shape.safeParse({ ...totals, unfinished: 1 }).success).toBe(true);
  });
});
