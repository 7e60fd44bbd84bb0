import type { FileHandle } from "node:fs/promises";
import { link } from "node:fs/promises";
import { join } from "node:path";
import { openFile, writeFileAtomic } from "../files/index.js";
import { entryProblem, type ResultCheck } from "./entry-check.js";

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
 * Repairs an output folder's journal: the file as it was is kept aside, and the journal is
 * replaced (atomically) by one that keeps every line that passes the replay checks
 * (`entryProblem`, results by `checkResult`), in order. Of the others, each fal request id read in them is
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
  const path = join(outputDir, ".state", "journal.jsonl");
  const source = await openFile(path, "read", { within: outputDir });
  if (!source) return undefined;
  const setAside = join(outputDir, ".state", `journal-damaged-${now}.jsonl`);
  try {
    await keepAside(source, path, setAside);
    const repair = new Repair(checkResult, now);
    // Replaces the journal in one rename: a crash leaves it as it was (and a copy aside), or repaired.
    await writeFileAtomic(path, repair.lines(source), { syncFolder: true });
    return { setAside, kept: repair.kept, salvaged: repair.salvaged, dropped: repair.dropped };
  } finally {
    await source.close().catch(() => {});
  }
}

/**
 * Keeps the journal as it was at `setAside` before anything replaces it: a second name for
 * the same file (a hard link: instant, whatever its size), or a copy where links are not made.
 */
async function keepAside(source: FileHandle, path: string, setAside: string): Promise<void> {
  try {
    await link(path, setAside);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
    await writeFileAtomic(setAside, source.createReadStream({ start: 0, autoClose: false }));
  }
}

/** What a repair keeps, salvages and drops, line by line. */
class Repair {
  readonly #sources = new Map<string, string | undefined>();
  readonly #held = new Set<string>();
  readonly dropped: DroppedLine[] = [];
  kept = 0;
  salvaged = 0;

  constructor(
    private readonly checkResult: ResultCheck | undefined,
    private readonly now: number,
  ) {}

  #check(entry: unknown): string | undefined {
    return entryProblem(entry, this.checkResult, (key) => this.#sources.get(key));
  }

  /** The repaired journal's lines, read from the start of `source`. */
  async *lines(source: FileHandle): AsyncGenerator<string> {
    let lineNo = 0;
    for await (const text of source.readLines({ encoding: "utf8", start: 0, autoClose: false })) {
      lineNo += 1;
      if (text.trim() === "") continue;
      const entry = parse(text);
      const reason = entry === undefined ? "a line that is not JSON" : this.#check(entry);
      if (reason === undefined) {
        const { request, type, key, source } = entry as Record<string, unknown>;
        if (typeof request === "string") this.#held.add(request);
        if ((type === "submitted" || type === "submitting") && typeof key === "string")
          this.#sources.set(key, typeof source === "string" ? source : undefined);
        yield `${text}\n`;
        this.kept += 1;
        continue;
      }
      const unplaced: string[] = [];
      for (const request of new Set(text.match(UUID) ?? [])) {
        if (this.#held.has(request)) continue;
        const line = salvage(text, request, this.now);
        if (line !== undefined && this.#check(JSON.parse(line)) === undefined) {
          yield `${line}\n`;
          this.#held.add(request);
          this.salvaged += 1;
        } else unplaced.push(request);
      }
      this.dropped.push({ line: lineNo, reason, unplaced });
    }
  }
}
