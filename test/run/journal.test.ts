import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findEndpoint } from "../../src/endpoints/index.js";
import type { Job } from "../../src/plan/index.js";
import { Budget } from "../../src/run/budget.js";
import { compactEntries, replay } from "../../src/run/job-state.js";
import { Journal, type JournalEntry, parseJournal } from "../../src/run/journal.js";
import { decideStart } from "../../src/run/resume.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const img = {
  path: "a-1.png",
  sha256: "h1",
  bytes: 10,
  width: 4,
  height: 4,
  contentType: "image/png",
  sourceUrl: "u",
  original: { sha256: "h1", ext: "png" },
  settings: "s",
  derivatives: [],
};

describe("the run journal", () => {
  it("drops a torn last line and cuts the file back to whole lines", async () => {
    const dir = await tempDir();
    const { journal } = await Journal.open(dir, () => 1);
    journal.appendNow({ type: "submitted", key: "k1", job: "a", request: "r1", endpoint: "e" });
    await journal.append({ type: "completed", key: "k1", request: "r1", result: { images: [{ url: "u" }] } });
    journal.close();
    const path = join(dir, ".state", "journal.jsonl");
    await appendFile(path, '{"t":2,"type":"image","key":"k1","req');
    const { entries } = await Journal.open(dir);
    expect(entries.map((e) => e.type)).toEqual(["submitted", "completed"]);
    expect((await readFile(path, "utf8")).endsWith("}\n")).toBe(true);
  });

  it("shares one write between appends of the same tick, all on disk when they resolve", async () => {
    const dir = await tempDir();
    const { journal } = await Journal.open(dir, () => 5);
    await Promise.all([1, 2, 3].map((i) => journal.append({ type: "done", key: `k${i}`, request: `r${i}` })));
    journal.close();
    expect(parseJournal(await readFile(join(dir, ".state", "journal.jsonl"), "utf8")).entries).toHaveLength(
      3,
    );
  });

  it("replays each key to where it stands, and compacts to the same states", () => {
    const entries: JournalEntry[] = [
      { t: 1, type: "submitted", key: "k1", job: "a", request: "r1", endpoint: "e" },
      { t: 2, type: "completed", key: "k1", request: "r1", result: { images: [{ url: "u" }] } },
      { t: 3, type: "image", key: "k1", request: "r1", n: 1, ...img },
      { t: 4, type: "done", key: "k1", request: "r1" },
      { t: 5, type: "submitted", key: "k2", job: "b", request: "r2", endpoint: "e" },
      { t: 6, type: "expired", key: "k2", request: "r2" },
      { t: 7, type: "submitted", key: "k2", job: "b", request: "r3", endpoint: "e" },
      { t: 8, type: "failed", key: "k3", cause: "upload failed", class: "retryable" },
    ];
    const states = replay(entries);
    expect([...states.values()].map((s) => [s.key, s.phase, s.request, s.requests])).toEqual([
      ["k1", "done", "r1", ["r1"]],
      ["k2", "submitted", "r3", ["r2", "r3"]],
      ["k3", "failed", undefined, []],
    ]);
    const again = replay(compactEntries(states, 9));
    expect([...again.values()].map((s) => [s.key, s.phase, s.request, s.images.size])).toEqual([
      ["k1", "done", "r1", 1],
      ["k2", "submitted", "r3", 0],
      ["k3", "failed", undefined, 0],
    ]);
  });
});

describe("how a job starts again", () => {
  const states = replay([
    { t: 1, type: "submitted", key: "sub", job: "a", request: "r1", endpoint: "e" },
    { t: 1, type: "submitted", key: "com", job: "b", request: "r2", endpoint: "e" },
    { t: 2, type: "completed", key: "com", request: "r2", result: { images: [{ url: "u" }] } },
    { t: 1, type: "submitted", key: "done", job: "c", request: "r3", endpoint: "e" },
    { t: 2, type: "completed", key: "done", request: "r3", result: { images: [{ url: "u" }] } },
    { t: 3, type: "image", key: "done", request: "r3", n: 1, ...img },
    { t: 4, type: "done", key: "done", request: "r3" },
    { t: 1, type: "submitted", key: "bad", job: "d", request: "r4", endpoint: "e" },
    { t: 2, type: "failed", key: "bad", request: "r4", cause: "prompt: flagged", class: "permanent" },
  ]);
  it("attaches, downloads, skips or leaves failed jobs alone", () => {
    expect(decideStart(undefined, false, {}).kind).toBe("submit");
    expect(decideStart(states.get("sub"), false, {})).toEqual({ kind: "attach", request: "r1" });
    expect(decideStart(states.get("com"), false, {})).toMatchObject({ kind: "download", request: "r2" });
    expect(decideStart(states.get("done"), true, {})).toMatchObject({ kind: "skip", reason: "up to date" });
    expect(decideStart(states.get("done"), false, {})).toMatchObject({ kind: "download", request: "r3" });
    expect(decideStart(states.get("done"), true, { force: true })).toMatchObject({ kind: "submit" });
    expect(decideStart(states.get("bad"), false, {})).toMatchObject({ kind: "failed-before" });
    expect(decideStart(states.get("bad"), false, { retryFailed: true })).toMatchObject({ kind: "submit" });
  });
});

describe("the budget", () => {
  const endpoint = findEndpoint("seedream-v4.5");
  const job = (id: string, max: number) =>
    ({ id, expectedImages: { min: 1, max }, pricePerImageUsd: 0.04, endpoint }) as unknown as Job;
  it("reserves the most a job can cost before it is sent, so parallel submits cannot overshoot", () => {
    const b = new Budget(0.1);
    expect(b.reserve(job("a", 1))).toBe(true);
    expect(b.reserve(job("b", 1))).toBe(true);
    expect(b.reserve(job("c", 1))).toBe(false);
    expect(b.exhausted).toBe(true);
    b.settle(job("a", 1), 1);
    b.settle(job("b", 1), 0);
    expect(b.spentUsd).toBeCloseTo(0.04);
    expect(b.reserve(job("d", 2))).toBe(false);
    expect(b.reserve(job("e", 1))).toBe(true);
  });
});
