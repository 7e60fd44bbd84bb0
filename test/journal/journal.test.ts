import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findEndpoint } from "../../src/endpoints/index.js";
import { Journal, type JournalEntry } from "../../src/journal/journal.js";
import { compactEntries, replay } from "../../src/journal/key-state.js";
import type { Job } from "../../src/plan/index.js";
import { Budget } from "../../src/run/budget.js";
import { journalEntries } from "../helpers/journal.js";
import { useTempDirs } from "../helpers/temp-dir.js";

/** A request id of fal's form (a UUID), numbered. */
const rid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
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
    journal.appendNow({ type: "submitted", key: "k1", job: "a", request: rid(1), endpoint: "e" });
    await journal.append({
      type: "completed",
      key: "k1",
      request: rid(1),
      result: { images: [{ url: "u" }] },
    });
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
    await Promise.all([1, 2, 3].map((i) => journal.append({ type: "done", key: `k${i}`, request: rid(i) })));
    journal.close();
    expect(await journalEntries(dir)).toHaveLength(3);
  });

  it("reads a journal longer than one read a line at a time, replaying as it reads, and cuts a torn end", async () => {
    const dir = await tempDir();
    const { journal } = await Journal.open(dir, () => 1);
    // Lines of about 2 KB, past the 1 MB a read takes, so lines are split across reads.
    const result = { images: [{ url: `u${"x".repeat(2000)}` }] };
    for (let i = 0; i < 1200; i++)
      await journal.append({ type: "completed", key: `k${i}`, request: rid(0), result });
    journal.close();
    await appendFile(join(dir, ".state", "journal.jsonl"), '{"t":2,"type":"do');
    const seen: string[] = [];
    const opened = await Journal.open(
      dir,
      () => 3,
      undefined,
      (e) => seen.push("key" in e ? e.key : e.type),
    );
    expect(opened.lines).toBe(1200);
    expect(opened.entries).toEqual([]);
    expect(seen.slice(0, 2)).toEqual(["k0", "k1"]);
    expect(seen.at(-1)).toBe("k1199");
    // What the run appends is handed on too, so the replayed states stay up to date.
    await opened.journal.append({ type: "done", key: "k5", request: rid(0) });
    expect(seen.at(-1)).toBe("k5");
    await opened.journal.compact([{ t: 4, type: "done", key: "k9", request: rid(0) }]);
    await opened.journal.append({ type: "done", key: "k10", request: rid(0) });
    opened.journal.close();
    expect((await journalEntries(dir)).map((e) => ("key" in e ? e.key : ""))).toEqual(["k9", "k10"]);
  });

  it("replays each key to where it stands, and compacts to the same states", () => {
    const entries: JournalEntry[] = [
      { t: 1, type: "submitted", key: "k1", job: "a", request: "r1", endpoint: "e" },
      { t: 2, type: "completed", key: "k1", request: "r1", result: { images: [{ url: "u" }] } },
      { t: 3, type: "image", key: "k1", request: "r1", n: 1, ...img },
      { t: 4, type: "done", key: "k1", request: "r1" },
      { t: 5, type: "submitted", key: "k2", job: "b", request: "r2", endpoint: "e" },
      { t: 6, type: "expired", key: "k2", request: "r2" },
      // A rejected image made again: sent with a seed the manifest does not hold.
      { t: 7, type: "submitted", key: "k2", job: "b", request: "r3", endpoint: "e", seed: 77 },
      { t: 8, type: "failed", key: "k3", cause: "upload failed", class: "retryable" },
    ];
    const states = replay(entries);
    expect([...states.values()].map((s) => [s.key, s.phase, s.request, s.requests, s.seed])).toEqual([
      ["k1", "done", "r1", ["r1"], undefined],
      ["k2", "submitted", "r3", ["r2", "r3"], 77],
      ["k3", "failed", undefined, [], undefined],
    ]);
    const again = replay(compactEntries(states, 9));
    expect([...again.values()].map((s) => [s.key, s.phase, s.request, s.images.size, s.seed])).toEqual([
      ["k1", "done", "r1", 1, undefined],
      ["k2", "submitted", "r3", 0, 77],
      ["k3", "failed", undefined, 0, undefined],
    ]);
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

  it("holds what earlier runs left at fal, keeps what a job leaves there, and gives a job one reservation", () => {
    const b = new Budget(0.1);
    b.hold(job("left", 2)); // $0.08 an earlier run left at fal, whatever the cap
    expect(b.canPay(job("a", 1))).toBe(false);
    expect(b.reserve(job("a", 1))).toBe(false);
    b.settle(job("left", 2), 1); // it made one image
    expect(b.reserve(job("a", 1))).toBe(true);
    // A new request of the same job replaces its reservation (fal failed the one before).
    expect(b.reserve(job("a", 1))).toBe(true);
    expect(b.heldUsd).toBeCloseTo(0.08);
    b.keep(job("a", 1)); // it ends with its request still at fal: spent at its most
    expect(b.spentUsd).toBeCloseTo(0.08);
    expect(b.reserve(job("b", 1))).toBe(false);
  });
});
