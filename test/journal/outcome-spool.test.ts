import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OutcomeSpool } from "../../src/journal/outcome-spool.js";
import type { JobOutcome } from "../../src/model/job-outcome.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

const succeeded = (id: string, prompt: string): JobOutcome => ({
  status: "succeeded",
  requestId: `req-${id}`,
  imageUrls: [`https://example.test/${id}.png`],
  outputs: [
    {
      path: `${id}-1.png`,
      width: 2048,
      height: 2048,
      bytes: 1234,
      sha256: "a".repeat(64),
      contentType: "image/png",
      sourceUrl: `https://fal.media/${id}.png`,
      original: { sha256: "b".repeat(64), ext: "png" },
      derivatives: [],
    },
  ],
  seed: 42,
  attempts: [{ requestId: `req-${id}`, submittedAt: 1_700_000_000_000, outcome: "succeeded" }],
  retries: [],
  timings: { submittedAt: 1_700_000_000_000, finishedAt: 1_700_000_000_500 },
  // Not a field of an outcome: it makes some outcomes long, and some not ASCII.
  ...({ note: prompt } as object),
});

/** The spool's file, among the process's open descriptors (Linux). */
async function openSpoolFiles(): Promise<string[]> {
  const fds = await readdir("/proc/self/fd");
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return targets.filter((t) => t.includes("outcomes-"));
}

describe("OutcomeSpool", () => {
  it("gives back each job's outcome as it was set, the latest when a job is set again", async () => {
    const dir = await tempDir();
    const spool = new OutcomeSpool(dir);
    const long = "é ✓ ".repeat(20_000);
    for (let i = 0; i < 500; i++) spool.set(`job-${i}`, succeeded(`job-${i}`, i === 7 ? long : `p${i}`));
    spool.set("job-3", { status: "not_run", reason: "again" });
    spool.set("job-5", succeeded("job-5", "written again, longer than the first time"));
    expect(spool.size).toBe(500);
    expect(spool.get("job-5")).toEqual(succeeded("job-5", "written again, longer than the first time"));
    expect(spool.get("job-6")).toEqual(succeeded("job-6", "p6"));
    expect(spool.get("job-0")).toEqual(succeeded("job-0", "p0"));
    expect(spool.get("job-7")).toEqual(succeeded("job-7", long));
    expect(spool.get("job-499")).toEqual(succeeded("job-499", "p499"));
    expect(spool.get("job-3")).toEqual({ status: "not_run", reason: "again" });
    expect(spool.get("never")).toBeUndefined();
    // Each read is a new object: a pass that changes one does not change the next pass's.
    expect(spool.get("job-0")).not.toBe(spool.get("job-0"));
  });

  it("leaves no file in the folder: its file has no name from the start", async () => {
    const dir = await tempDir();
    const spool = new OutcomeSpool(dir);
    spool.set("a", { status: "not_run", reason: "r" });
    expect(await readdir(join(dir, ".state"))).toEqual([]);
    expect((await openSpoolFiles()).some((t) => t.startsWith(dir) && t.endsWith("(deleted)"))).toBe(true);
    expect(spool.get("a")).toEqual({ status: "not_run", reason: "r" });
  });
});
