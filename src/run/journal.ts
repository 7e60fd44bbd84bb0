import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { mkdir, readFile, rename, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileStamp, WrittenFile } from "../outputs/index.js";

/** One image written for a job, as the journal and the report know it. */
export interface ImageRecord {
  readonly n: number;
  /** Relative to the output folder. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly contentType: string;
  readonly sourceUrl: string;
  /** fal's original bytes, kept under `.state/originals/`. */
  readonly original: { readonly sha256: string; readonly ext: string };
  /** The output settings the files were made with (`Job.output.settingsKey`). */
  readonly settings: string;
  readonly derivatives: ReadonlyArray<WrittenFile & { readonly name: string }>;
  /** The main file's size, mtime and inode when written (see `checkFile`). */
  readonly stamp?: FileStamp;
}

/** What a `spent` journal line carries: the spend of requests whose own lines are gone. */
export interface SpendCarry {
  readonly accepted: number;
  readonly completed: number;
  readonly images: number;
  readonly completed_usd: number;
  readonly failed: number;
  readonly pending: number;
  readonly pending_usd: number;
  readonly in_doubt: number;
  readonly in_doubt_usd: number;
}

/** A line of the run journal: what happened to a job (by key), in order. */
export type JournalEntry =
  | { readonly t: number; readonly type: "run"; readonly run: string; readonly pid: number }
  /**
   * Spend of requests whose own lines are gone (a compaction dropped them, or `--fresh` set the
   * journal aside), so the folder's total spend still adds up (see `tallySpend`).
   */
  | ({ readonly t: number; readonly type: "spent" } & SpendCarry)
  /**
   * Written (and on disk) as a submit leaves, so a kill during the submit is known; `t` is when
   * it left. The rest (absent in older journals) finds it in fal's request history (`Doubt`).
   */
  | {
      readonly t: number;
      readonly type: "submitting";
      readonly key: string;
      readonly job: string;
      /** Where it is sent (`FalAccess.source`); absent in journals older than the field. */
      readonly source?: string;
      readonly endpoint?: string;
      /** `inputDigest` of the input sent. */
      readonly digest?: string;
      /** From when fal can no longer be queuing or running it (epoch ms). */
      readonly notAfter?: number;
    }
  | {
      readonly t: number;
      readonly type: "submitted";
      readonly key: string;
      readonly job: string;
      readonly request: string;
      readonly endpoint: string;
      readonly source?: string;
    }
  | {
      readonly t: number;
      readonly type: "completed";
      readonly key: string;
      readonly request: string;
      readonly result: unknown;
    }
  | ({
      readonly t: number;
      readonly type: "image";
      readonly key: string;
      readonly request: string;
    } & ImageRecord)
  | { readonly t: number; readonly type: "done"; readonly key: string; readonly request: string }
  | {
      readonly t: number;
      readonly type: "failed";
      readonly key: string;
      readonly request?: string;
      readonly cause: string;
      readonly class: string;
    }
  /**
   * The job's last try failed for a cause that is not permanent: the next run takes it up by
   * itself (re-attaching to `request`, or delivering the result kept, or submitting when none).
   */
  | {
      readonly t: number;
      readonly type: "unfinished";
      readonly key: string;
      readonly request?: string;
      readonly stage: string;
      readonly cause: string;
      readonly class: string;
    }
  | {
      readonly t: number;
      readonly type: "canceled";
      readonly key: string;
      readonly request: string;
      readonly cause: string;
    }
  | { readonly t: number; readonly type: "expired"; readonly key: string; readonly request: string };

/** Distributes Omit over the union, so each entry keeps its own fields. */
export type NewEntry = JournalEntry extends infer E
  ? E extends { t: number }
    ? Omit<E, "t">
    : never
  : never;

/**
 * Reads journal text: one JSON object a line, each written whole with its newline. A torn last
 * line (a crash mid-write: the text after the last newline, or a line that does not parse) is
 * dropped, and the byte length of the whole lines before it returned, so the file can be cut
 * back to them. One pass, however long the journal.
 */
export function parseJournal(text: string): { entries: JournalEntry[]; validBytes: number } {
  const entries: JournalEntry[] = [];
  const lines = text.slice(0, text.lastIndexOf("\n") + 1).split("\n");
  lines.pop();
  let validBytes = 0;
  for (const line of lines) {
    if (line.trim() !== "") {
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // Anything after a line that does not parse is not trusted either.
        break;
      }
    }
    validBytes += Buffer.byteLength(line) + 1;
  }
  return { entries, validBytes };
}

/**
 * The run journal under `<output>/.state/journal.jsonl`: append-only, every line flushed to
 * disk (fsync) before the step it records is acted on. Appends in the same tick share one
 * write and one fsync.
 */
export class Journal {
  readonly #fd: number;
  #pending: string[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;

  private constructor(
    readonly path: string,
    fd: number,
    readonly clock: () => number,
    readonly source: string | undefined,
  ) {
    this.#fd = fd;
  }

  /**
   * Opens (or starts) the journal of an output folder; returns it and what it held. Every
   * `submitting` and `submitted` line it writes carries `source` (where fal traffic goes).
   */
  static async open(
    outputDir: string,
    clock: () => number = Date.now,
    source?: string,
  ): Promise<{ journal: Journal; entries: JournalEntry[] }> {
    const dir = join(outputDir, ".state");
    await mkdir(dir, { recursive: true });
    const path = join(dir, "journal.jsonl");
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const { entries, validBytes } = parseJournal(text);
    if (validBytes < Buffer.byteLength(text)) await truncate(path, validBytes);
    return { journal: new Journal(path, openSync(path, "a"), clock, source), entries };
  }

  /** Replaces the journal with `entries` (a compaction), atomically. */
  static async rewrite(outputDir: string, entries: readonly JournalEntry[]): Promise<void> {
    const path = join(outputDir, ".state", "journal.jsonl");
    const tmp = `${path}.compact`;
    await writeFile(tmp, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
    const fd = openSync(tmp, "r+");
    fsyncSync(fd);
    closeSync(fd);
    await rename(tmp, path);
  }

  /** One line of JSON, stamped with the time (and, on a submit, the source). */
  #line(entry: NewEntry): string {
    const stamped =
      this.source !== undefined && (entry.type === "submitting" || entry.type === "submitted")
        ? { ...entry, source: entry.source ?? this.source }
        : entry;
    return `${JSON.stringify({ t: this.clock(), ...stamped })}\n`;
  }

  /** Writes and fsyncs at once, before returning: for a submit, the moment fal answers. */
  appendNow(entry: NewEntry): void {
    if (this.#closed) return;
    writeSync(this.#fd, this.#line(entry));
    fsyncSync(this.#fd);
  }

  /** Appends; resolves once the line is on disk (lines of the same tick share the fsync). */
  append(entry: NewEntry): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#pending.push(this.#line(entry));
    this.#flushing ??= Promise.resolve().then(() => {
      const batch = this.#pending.join("");
      this.#pending = [];
      this.#flushing = undefined;
      if (this.#closed) return;
      writeSync(this.#fd, batch);
      fsyncSync(this.#fd);
    });
    return this.#flushing;
  }

  close(): void {
    if (this.#closed) return;
    if (this.#pending.length > 0) {
      writeSync(this.#fd, this.#pending.join(""));
      fsyncSync(this.#fd);
      this.#pending = [];
    }
    this.#closed = true;
    closeSync(this.#fd);
  }
}
