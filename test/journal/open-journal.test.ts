import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/journal/journal.js";
import { lockRenderShard } from "../../src/journal/lock.js";
import { openJournal } from "../../src/journal/open-journal.js";
import { type PriceOf, tallySpend } from "../../src/journal/spend.js";
import { journalEntries } from "../helpers/journal.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

/** A request id of fal's form (a UUID), numbered. */
const rid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const tempDir = useTempDirs();
const EP = "fal-ai/bytedance/seedream/v4.5/edit";
const priceOf: PriceOf = () => ({ usd: 0.04, most: 1 });

/** One key sent `n` times: each request but the last failed at fal (replaced); the last completed. */
function history(n: number): JournalEntry[] {
  const out: JournalEntry[] = [{ t: 0, type: "run", run: "r1", pid: 1 }];
  for (let i = 0; i < n; i++) {
    out.push({ t: i, type: "submitting", key: "k", job: "a" });
    out.push({ t: i, type: "submitted", key: "k", job: "a", request: rid(i), endpoint: EP });
  }
  out.push({ t: n, type: "completed", key: "k", request: rid(n - 1), result: { images: [{ url: "u" }] } });
  out.push({ t: n, type: "done", key: "k", request: rid(n - 1) });
  return out;
}

async function folderWith(entries: readonly JournalEntry[]): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, ".state"));
  await writeFile(
    join(dir, ".state", "journal.jsonl"),
    entries.map((e) => `${JSON.stringify(e)}\n`).join(""),
  );
  return dir;
}

const onDisk = (dir: string) => journalEntries(dir);

describe("openJournal keeps the folder's spend when lines go", () => {
  it("a compaction carries the spend of the requests it drops in a `spent` line", async () => {
    const before = history(600);
    const dir = await folderWith(before);
    const { journal } = await openJournal(dir, false, new VirtualClock(), "fal", priceOf);
    journal.close();
    const after = await onDisk(dir);
    expect(after.length).toBeLessThan(10);
    expect(after[0]).toMatchObject({ type: "spent", accepted: 599, failed: 599, completed: 0 });
    expect(tallySpend(after, priceOf).total).toEqual(tallySpend(before, priceOf).total);
    expect(tallySpend(after, priceOf).total).toMatchObject({
      accepted: 600,
      completed: 1,
      completed_usd: 0.04,
    });
  });

  it("--fresh starts the new journal with what the one set aside spent", async () => {
    const before = history(3);
    const dir = await folderWith(before);
    const { journal, states } = await openJournal(dir, true, new VirtualClock(), "fal", priceOf);
    journal.close();
    expect(states.size).toBe(0);
    const after = await onDisk(dir);
    expect(after).toEqual([expect.objectContaining({ type: "spent", accepted: 3, completed: 1, failed: 2 })]);
    expect(tallySpend(after, priceOf).total).toEqual(tallySpend(before, priceOf).total);
  });
});

describe("openJournal folds the logs of `render` processes that ended into the journal", () => {
  const H = (c: string) => c.repeat(64);
  const kept = (key: string, request: string): JournalEntry => ({
    t: 1,
    type: "kept",
    key,
    request,
    n: 1,
    sourceUrl: "https://fal.media/x.png",
    original: { sha256: H("a"), ext: "png" },
    width: 8,
    height: 8,
    contentType: "image/png",
    recipe: { job: key, settings: "s1", main: { spec: {}, path: `${key}.avif` }, derivatives: [] },
  });
  const image = (key: string, request: string): Extract<JournalEntry, { type: "image" }> => ({
    t: 5,
    type: "image",
    key,
    request,
    n: 1,
    path: `${key}.avif`,
    sha256: H("b"),
    bytes: 10,
    width: 8,
    height: 8,
    contentType: "image/avif",
    sourceUrl: "https://fal.media/x.png",
    original: { sha256: H("a"), ext: "png" },
    settings: "s1",
    derivatives: [],
  });
  const delivered = (key: string, request: string): JournalEntry[] => [
    { t: 0, type: "submitted", key, job: key, request, endpoint: EP },
    { t: 0, type: "completed", key, request, result: { images: [{ url: "https://fal.media/x.png" }] } },
    kept(key, request),
    { t: 2, type: "done", key, request },
  ];
  const logPath = (dir: string, shard: string) => join(dir, ".state", "renders", `${shard}.jsonl`);

  it("a free shard's log goes into the journal and is removed; a held shard's is read and left", async () => {
    const dir = await folderWith([...delivered("done-by-1", rid(1)), ...delivered("done-by-2", rid(2))]);
    await mkdir(join(dir, ".state", "renders"));
    await writeFile(logPath(dir, "1-of-2"), `${JSON.stringify(image("done-by-1", rid(1)))}\n`);
    await writeFile(logPath(dir, "2-of-2"), `${JSON.stringify(image("done-by-2", rid(2)))}\n`);
    const release = await lockRenderShard(dir, "2-of-2", () => {});
    try {
      const { journal, states } = await openJournal(dir, false, new VirtualClock(), "fal", priceOf);
      journal.close();
      for (const key of ["done-by-1", "done-by-2"]) {
        expect(states.get(key)?.images.get(1)?.path).toBe(`${key}.avif`);
        expect(states.get(key)?.kept).toBeUndefined();
      }
      await expect(readdir(join(dir, ".state", "renders"))).resolves.toEqual(["2-of-2.jsonl"]);
      const after = await onDisk(dir);
      expect(after.filter((e) => e.type === "image")).toEqual([image("done-by-1", rid(1))]);
    } finally {
      await release();
    }
    // Once shard 2 has ended, the next run folds its log too: nothing is left under renders/.
    const { journal } = await openJournal(dir, false, new VirtualClock(), "fal", priceOf);
    journal.close();
    await expect(readdir(join(dir, ".state", "renders"))).resolves.toEqual([]);
    expect((await onDisk(dir)).filter((e) => e.type === "image")).toEqual([
      image("done-by-1", rid(1)),
      image("done-by-2", rid(2)),
    ]);
  });

  it("a folded log's line never stands over an image the run journals after it (rendered again with other settings)", async () => {
    const dir = await folderWith(delivered("k", rid(1)));
    await mkdir(join(dir, ".state", "renders"));
    await writeFile(logPath(dir, "1-of-1"), `${JSON.stringify(image("k", rid(1)))}\n`);
    const first = await openJournal(dir, false, new VirtualClock(), "fal", priceOf);
    // The run renders the image again with other settings, after the fold.
    await first.journal.append({ ...image("k", rid(1)), settings: "s2", sha256: H("c") });
    first.journal.close();
    const { journal, states } = await openJournal(dir, false, new VirtualClock(), "fal", priceOf);
    journal.close();
    expect(states.get("k")?.images.get(1)).toMatchObject({ settings: "s2", sha256: H("c") });
  });
});
