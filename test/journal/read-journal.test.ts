import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entryProblem } from "../../src/journal/entry-check.js";
import { readJournalFile } from "../../src/journal/read-journal.js";
import { repairJournal } from "../../src/journal/repair-journal.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const rid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const submitted = (n: number) =>
  JSON.stringify({
    t: n,
    type: "submitted",
    key: `k${n}`,
    job: `j${n}`,
    request: rid(n),
    endpoint: "fal-ai/x",
  });
const check = (e: unknown) => entryProblem(e);

async function journalOf(lines: string): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  await mkdir(join(dir, ".state"));
  const path = join(dir, ".state", "journal.jsonl");
  await writeFile(path, lines);
  return { dir, path };
}

const read = (path: string) => readJournalFile(path, () => {}, { check });

describe("readJournalFile on a damaged or forged journal (#24)", () => {
  it("a line that does not parse with lines after it is damage, named by its line; as the last line it is a torn end", async () => {
    const { path } = await journalOf(`${submitted(1)}\n\n{"t":2,"ty\n${submitted(3)}\n`);
    await expect(read(path)).rejects.toMatchObject({
      code: "STATE_UNTRUSTED",
      line: 3,
      reason: "a line that is not JSON",
    });
    const torn = await journalOf(`${submitted(1)}\n{"t":2,"ty\n\n`);
    expect(await read(torn.path)).toEqual({
      lines: 1,
      validBytes: submitted(1).length + 1,
      size: (await readFile(torn.path)).length,
    });
  });

  it("a line that parses but fails the checks is refused even as the last line (a crash cannot write one)", async () => {
    const forged = JSON.stringify({ t: 2, type: "done", key: "k1", request: "../x" });
    const { path } = await journalOf(`${submitted(1)}\n${forged}\n`);
    await expect(read(path)).rejects.toMatchObject({
      line: 2,
      reason: 'request id "../x" is not of fal\'s form (a UUID)',
    });
  });

  it("never reads through a symlink", async () => {
    const { dir } = await journalOf("");
    const link = join(dir, ".state", "link.jsonl");
    await symlink(join(dir, ".state", "journal.jsonl"), link);
    await expect(read(link)).rejects.toMatchObject({ code: "STATE_UNTRUSTED" });
  });

  it("entryProblem: negative spend, odd hashes, unknown types", () => {
    const spent = {
      t: 1,
      type: "spent",
      accepted: 1,
      completed: 1,
      images: 1,
      completed_usd: -8,
      failed: 0,
      pending: 0,
      pending_usd: 0,
      in_doubt: 0,
      in_doubt_usd: 0,
    };
    expect(entryProblem(spent)).toBe("a spend that is not a count or an amount ≥ 0");
    expect(entryProblem({ t: 1, type: "evil", key: "k" })).toBe('an unknown entry type "evil"');
    expect(entryProblem(JSON.parse(submitted(1)))).toBeUndefined();
  });
});

describe("repairJournal", () => {
  it("keeps every good line, salvages a damaged submitted line's request, lists a request it cannot place, sets the old file aside", async () => {
    const damaged = `${submitted(2).slice(0, -1)}\u0000#`;
    const unplaceable = `garbage ${rid(4)} garbage`;
    const text = `${submitted(1)}\n${damaged}\n${unplaceable}\n${submitted(3)}\n`;
    const { dir, path } = await journalOf(text);
    const repair = await repairJournal(dir, undefined, 77);
    expect(repair).toEqual({
      setAside: join(dir, ".state", "journal-damaged-77.jsonl"),
      kept: 2,
      salvaged: 1,
      dropped: [
        { line: 2, reason: "a line that is not JSON", unplaced: [] },
        { line: 3, reason: "a line that is not JSON", unplaced: [rid(4)] },
      ],
    });
    expect(await readFile(join(dir, ".state", "journal-damaged-77.jsonl"), "utf8")).toBe(text);
    expect(await readFile(path, "utf8")).toBe(`${submitted(1)}\n${submitted(2)}\n${submitted(3)}\n`);
  });
});
