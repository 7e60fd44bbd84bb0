import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { entryProblem, type ResultCheck } from "./entry-check.js";
import { openStateFile } from "./read-journal.js";

/** A line the repair did not keep, and the fal requests it named. */
export interface DroppedLine {
  readonly line: number;
  readonly reason: string;
  /** fal request ids in the line that no kept or salvaged line holds: paid for, their result is at fal. */
  readonly unplaced: readonly string[];
}

/** What `--repair-journal` did. */
export interface JournalRepair {
  /** Where the journal as it was is kept (never removed by the runner). */
  readonly setAside: string;
  readonly kept: number;
  /** Requests read out of a damaged line and kept as a `submitted` line: the run re-attaches to them. */
  readonly salvaged: number;
  readonly dropped: readonly DroppedLine[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const field = (text: string, name: string): string | undefined =>
  new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{1,200})"`).exec(text)?.[1];

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A damaged line that still names a request, its key, job and endpoint (a `submitted` line with
 * garbage after them, say) becomes the `submitted` line it was: the run re-attaches to the
 * request at fal instead of paying for the job again.
 */
function salvage(text: string, request: string, t: number): string | undefined {
  const key = field(text, "key");
  const job = field(text, "job");
  const endpoint = field(text, "endpoint");
  if (key === undefined || job === undefined || endpoint === undefined) return undefined;
  const at = Number(/"t"\s*:\s*(\d{1,15})/.exec(text)?.[1] ?? t);
  return JSON.stringify({ t: at, type: "submitted", key, job, request, endpoint });
}

/**
 * Repairs an output folder's journal: the file as it was is renamed aside, and a new one keeps
 * every line that passes the replay checks (`entryProblem`, results by `checkResult`), in order. Of the others, each fal request id read in them is
 * kept when another line holds it (its `submitted` line is there: the next run re-attaches and
 * fetches the result again, never paying twice), salvaged as a `submitted` line when the line
 * still says its key, job and endpoint, and otherwise listed as unplaced (the caller prints it:
 * the request was paid for and its result is at fal). No journal: undefined.
 */
export async function repairJournal(
  outputDir: string,
  checkResult: ResultCheck | undefined,
  now: number,
): Promise<JournalRepair | undefined> {
  const sources = new Map<string, string | undefined>();
  const check = (entry: unknown) => entryProblem(entry, checkResult, (key) => sources.get(key));
  const path = join(outputDir, ".state", "journal.jsonl");
  const source = await openStateFile(path);
  if (!source) return undefined;
  const repaired = `${path}.repair`;
  await rm(repaired, { force: true });
  const out = await open(repaired, "wx");
  const held = new Set<string>();
  const dropped: DroppedLine[] = [];
  let kept = 0;
  let salvaged = 0;
  let lineNo = 0;
  try {
    for await (const text of source.readLines({ encoding: "utf8" })) {
      lineNo += 1;
      if (text.trim() === "") continue;
      const entry = parse(text);
      const reason = entry === undefined ? "a line that is not JSON" : check(entry);
      if (reason === undefined) {
        const { request, type, key, source } = entry as Record<string, unknown>;
        if (typeof request === "string") held.add(request);
        if ((type === "submitted" || type === "submitting") && typeof key === "string")
          sources.set(key, typeof source === "string" ? source : undefined);
        await out.write(`${text}\n`);
        kept += 1;
        continue;
      }
      const unplaced: string[] = [];
      for (const request of new Set(text.match(UUID) ?? [])) {
        if (held.has(request)) continue;
        const line = salvage(text, request, now);
        if (line !== undefined && check(JSON.parse(line)) === undefined) {
          await out.write(`${line}\n`);
          held.add(request);
          salvaged += 1;
        } else unplaced.push(request);
      }
      dropped.push({ line: lineNo, reason, unplaced });
    }
    await out.sync();
  } finally {
    await out.close();
    await source.close().catch(() => {});
  }
  const setAside = join(outputDir, ".state", `journal-damaged-${now}.jsonl`);
  await rename(path, setAside);
  await rename(repaired, path);
  return { setAside, kept, salvaged, dropped };
}
