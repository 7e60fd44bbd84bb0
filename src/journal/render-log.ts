import { closeSync, fdatasync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { makeFolder, openAppendSync, writeAllSync } from "../files/index.js";
import type { ImageRecord } from "../model/image-record.js";
import { entryProblem } from "./entry-check.js";
import type { JournalEntry } from "./journal.js";
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
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  for (const name of names.filter((n) => /^[\w.-]+\.jsonl$/.test(n)).sort())
    await readJournalFile<JournalEntry>(
      join(dir, name),
      (e) => {
        if (e?.type === "image" && typeof e.key === "string" && typeof e.request === "string") onEntry(e);
      },
      { check: (e) => entryProblem(e) },
    );
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
