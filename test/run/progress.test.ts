import { describe, expect, it } from "vitest";
import type { JobOutcome } from "../../src/model/job-outcome.js";
import { Progress, progressLine } from "../../src/run/progress.js";

const tried = { attempts: [], retries: [], imageUrls: [], timings: { finishedAt: 0 } };
const succeeded: JobOutcome = { ...tried, status: "succeeded", requestId: "r1", outputs: [] };
const canceled: JobOutcome = { ...tried, status: "canceled", reason: "the run was interrupted" };
const notRun: JobOutcome = { status: "not_run", reason: "not submitted: the run was interrupted" };
const skipped: JobOutcome = { status: "skipped", reason: "up to date", outputs: [] };

describe("Progress", () => {
  it("counts succeeded, failed and up-to-date jobs as done, never canceled or not-run ones", () => {
    const p = new Progress(4, 0);
    p.ended(succeeded, 0.04);
    p.ended(skipped, 0.04);
    p.ended(canceled, 0.04);
    p.ended(notRun, 0.04);
    const s = p.snapshot(60_000, 0, 0);
    expect(s).toMatchObject({ total: 4, done: 2, succeeded: 1, skipped: 1, failed: 0 });
    expect(progressLine(s).startsWith("50% 2/4 done")).toBe(true);
  });

  it("an interrupted run where nothing finished stays at 0 %", () => {
    const p = new Progress(2, 0);
    p.ended(canceled, 0.04);
    p.ended(notRun, 0.04);
    expect(p.snapshot(1000, 0, 0).done).toBe(0);
  });
});
