import { closeSync, fdatasync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeFolder, openAppendSync, writeAllSync } from "../files/index.js";
import type { ImageRecord } from "../model/image-record.js";
import { entryProblem } from "./entry-check.js";
import type { Journal, JournalEntry } from "./journal.js";
import { lockRenderShard } from "./lock.js";
import { readJournalFile } from "./read-journal.js";

/** Where `render` processes say what they rendered: a file per shard, beside the journal. */
const renderLogDir = (outputDir: string) => join(outputDir, ".state", "renders");

type ImageEntry = Extract<JournalEntry, { type: "image" }>;

/**
 * Hands every `image` line of the folder's render logs to `onEntry` (other lines are ignored:
 * a render log says only what was rendered). A run and every `render` process read them after
 * the journal, so an image a shard rendered counts as rendered everywhere. Untrusted on read, as
 * the journal: a torn end is left out.
 */
export async function replayRenderLogs(
  outputDir: string,
  onEntry: (entry: ImageEntry) => void,
): Promise<void> {
  const dir = renderLogDir(outputDir);
  for (const name of await logNames(dir)) await readLog(join(dir, name), onEntry);
}

/** The render logs' names (`<shard>.jsonl`), in order. */
async function logNames(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  return names.filter((n) => /^[\w.-]+\.jsonl$/.test(n)).sort();
}

/** The `image` lines of one render log; a log removed meanwhile (folded) reads as empty. */
async function readLog(path: string, onEntry: (entry: ImageEntry) => void): Promise<void> {
  await readJournalFile<JournalEntry>(
    path,
    (e) => {
      if (e?.type === "image" && typeof e.key === "string" && typeof e.request === "string") onEntry(e);
    },
    { check: (e) => entryProblem(e) },
  );
}

/**
 * Folds into the journal the render logs of shards no `render` process is at work on (their lock
 * is free): each log's lines are appended to the journal (on disk) and the log is removed, under
 * the shard's lock. So `.state/renders/` holds only the logs of shards at work, or ended since
 * the last run began. The log of a shard at work is replayed into `onHeld` and left. The run
 * calls this (it alone writes the journal). A reader reads the logs before the journal (see
 * `readFolderStates`): a line is in one or the other at every moment of a fold.
 */
export async function foldRenderLogs(
  outputDir: string,
  journal: Journal,
  onHeld: (entry: ImageEntry) => void,
): Promise<{ folded: number; held: number }> {
  const dir = renderLogDir(outputDir);
  const names = await logNames(dir);
  let folded = 0;
  let held = 0;
  for (const name of names) {
    const shard = name.slice(0, -".jsonl".length);
    const release = await lockRenderShard(outputDir, shard, () => {}).catch((error: unknown) => {
      if ((error as { code?: string }).code === "LOCKED") return undefined;
      throw error;
    });
    const lines: ImageEntry[] = [];
    await readLog(join(dir, name), (e) => lines.push(e));
    if (!release) {
      for (const e of lines) onHeld(e);
      held += 1;
      continue;
    }
    try {
      // Each line keeps its time (`t`): the journal says when the image was rendered.
      await Promise.all(lines.map((e) => journal.append(e)));
      await rm(join(dir, name), { force: true });
      folded += 1;
    } finally {
      await release();
    }
  }
  return { folded, held };
}

/**
 * One `render` process's log (`.state/renders/<shard>.jsonl`): append-only; each line is on disk
 * (fdatasync) before `append` resolves. One writer per file: the shard's lock sees to it.
 */
export class RenderLog {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  static async open(outputDir: string, name: string): Promise<RenderLog> {
    await makeFolder(renderLogDir(outputDir), outputDir);
    const path = join(renderLogDir(outputDir), `${name}.jsonl`);
    return new RenderLog(path, openAppendSync(path));
  }

  /** Says image `record.n` of `key`'s request `request` is rendered. */
  append(key: string, request: string, record: ImageRecord): Promise<void> {
    const entry: ImageEntry = { t: Date.now(), type: "image", key, request, ...record };
    writeAllSync(this.fd, `${JSON.stringify(entry)}\n`, this.path);
    return new Promise((done, fail) => fdatasync(this.fd, (error) => (error ? fail(error) : done())));
  }

  close(): void {
    closeSync(this.fd);
  }
}
