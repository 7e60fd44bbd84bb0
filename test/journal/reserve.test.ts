import { execFileSync } from "node:child_process";
import { closeSync, openSync, statSync, truncateSync, writeSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal, type JournalEntry } from "../../src/journal/journal.js";
import { RESERVE_BYTES } from "../../src/journal/reserve.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync("umount", [dir], { stdio: "ignore" });
});
/** A result whose line is longer than a page. */
const BIG = { images: [{ url: `https://v3.fal.media/files/${"x".repeat(9000)}.png` }] };
const rid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A 1 MB tmpfs of its own (root only: elsewhere these tests are skipped). */
async function smallDisk(): Promise<string> {
  const dir = join(await tempDir(), "disk");
  await mkdir(dir);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
  mounted.push(dir);
  return dir;
}

/** Fills the disk holding `dir` to its last byte. */
function fill(dir: string): void {
  const fd = openSync(join(dir, "filler"), "a");
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

/** A journal on `dir` and what its watcher heard. */
async function watched(dir: string) {
  const { journal } = await Journal.open(dir, () => 1);
  const heard = { failed: [] as string[], lost: [] as JournalEntry[] };
  journal.watch({
    failed: (e) => heard.failed.push(`${e.code} ${e.path}`),
    lost: (e) => heard.lost.push(e),
  });
  return { journal, heard, path: join(dir, ".state", "journal.jsonl") };
}

describe.skipIf(process.getuid?.() !== 0)("the journal on a disk that fills (#24)", () => {
  it("keeps a reserve, and on a full disk gives the lines in flight its room: the watcher hears at once, nothing is lost", async () => {
    const dir = await smallDisk();
    const { journal, heard, path } = await watched(dir);
    const reserve = join(dir, ".state", "journal.reserve");
    expect(statSync(reserve).size).toBe(RESERVE_BYTES);
    journal.appendNow({ type: "submitted", key: "k1", job: "a", request: rid(1), endpoint: "e" });
    fill(dir);
    // Longer than the room left in the file's last page: it meets the full disk midway.
    await journal.append({ type: "completed", key: "k1", request: rid(1), result: BIG });
    expect(journal.appendNow({ type: "done", key: "k1", request: rid(1) })).toBe(true);
    journal.close();
    expect(heard.failed[0]).toBe(`ENOSPC ${path}`);
    expect(heard.lost).toEqual([]);
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as JournalEntry).type)).toEqual([
      "submitted",
      "completed",
      "done",
    ]);
    // Shrunk by whole pages, never more than the lines took.
    expect(statSync(reserve).size).toBeLessThan(RESERVE_BYTES);
    expect(statSync(reserve).size).toBeGreaterThanOrEqual(RESERVE_BYTES - 16 * 1024);
  });

  it("with the reserve spent: a line not written is lost (told, once), no torn line is left, and nothing after it is written", async () => {
    const dir = await smallDisk();
    const { journal, heard, path } = await watched(dir);
    journal.appendNow({ type: "submitted", key: "k1", job: "a", request: rid(1), endpoint: "e" });
    const before = await readFile(path, "utf8");
    truncateSync(join(dir, ".state", "journal.reserve"), 0);
    fill(dir);
    // Longer than the room left in the file's last page: written in part, then refused.
    await journal.append({ type: "completed", key: "k1", request: rid(1), result: BIG });
    expect(
      journal.appendNow({ type: "submitted", key: "k2", job: "b", request: rid(2), endpoint: "e" }),
    ).toBe(false);
    // Small enough for the page's room, yet not written: the file stays a prefix of the run.
    await journal.append({ type: "done", key: "k1", request: rid(1) });
    journal.close();
    expect(await readFile(path, "utf8")).toBe(before);
    expect(heard.failed).toEqual([`ENOSPC ${path}`]);
    expect(heard.lost.map((e) => e.type)).toEqual(["completed", "submitted", "done"]);
  });

  it("refuses a submit's line on a disk with less room than the reserve (told, not lost), and goes on writing", async () => {
    const dir = await smallDisk();
    const { journal, heard, path } = await watched(dir);
    fill(dir);
    expect(journal.appendNow({ type: "submitting", key: "k1", job: "a" })).toBe(false);
    expect(
      journal.appendNow({ type: "submitted", key: "k2", job: "b", request: rid(2), endpoint: "e" }),
    ).toBe(true);
    journal.close();
    // Told at once (the run stops submitting); the next line may meet the full disk too.
    expect(heard.failed[0]).toBe(`ENOSPC ${path}`);
    expect(heard.lost).toEqual([]);
    expect(
      (await readFile(path, "utf8"))
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).type),
    ).toEqual(["submitted"]);
  });

  it("a disk without room for the reserve is refused when the journal opens (ENOSPC)", async () => {
    const dir = await smallDisk();
    fill(dir);
    await expect(Journal.open(dir)).rejects.toMatchObject({ code: "ENOSPC" });
  });
});
