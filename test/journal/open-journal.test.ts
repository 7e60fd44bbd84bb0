import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/journal/journal.js";
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
