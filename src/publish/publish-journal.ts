import { createHash } from "node:crypto";
import { closeSync, fsyncSync } from "node:fs";
import { dirname, join } from "node:path";
import { makeFolder, openAppendSync, readTextFile, writeAllSync } from "../files/index.js";

/** The publish state of an output folder for one destination: `.state/publish/<id>.jsonl`. */
export function publishStatePath(outputDir: string, destinationId: string, ext = "jsonl"): string {
  const id = createHash("sha256").update(destinationId).digest("hex").slice(0, 16);
  return join(outputDir, ".state", "publish", `${id}.${ext}`);
}

/**
 * What is known to be at a destination: one line per file once it is there (sent, or found
 * with the same hash), fsynced before the next step, so a publish killed midway resumes
 * without asking the destination again about what it already confirmed. A torn last line is
 * ignored.
 */
export class PublishJournal {
  readonly #fd: number;

  private constructor(
    readonly path: string,
    readonly known: Map<string, string>,
    fd: number,
  ) {
    this.#fd = fd;
  }

  /** What the journal at `path` says is at the destination, by key, without opening it to write. */
  static async read(path: string): Promise<{ known: Map<string, string>; text: string }> {
    const known = new Map<string, string>();
    const text = (await readTextFile(path)) ?? "";
    for (const line of text.slice(0, text.lastIndexOf("\n") + 1).split("\n")) {
      try {
        const e = JSON.parse(line) as { key?: unknown; sha256?: unknown; how?: unknown };
        if (typeof e.key !== "string") continue;
        if (e.how === "deleted") known.delete(e.key);
        else if (typeof e.sha256 === "string") known.set(e.key, e.sha256);
      } catch {
        // A blank or torn line says nothing.
      }
    }
    return { known, text };
  }

  /**
   * Opens the journal at `path` to record what is sent; the folders below `within` (the output
   * folder) are made, and none of them, nor the file, may be a link.
   */
  static async open(path: string, within: string): Promise<PublishJournal> {
    await makeFolder(dirname(path), within);
    const { known, text } = await PublishJournal.read(path);
    const fd = openAppendSync(path);
    // A torn tail would glue onto the next line: start on a fresh one.
    if (text !== "" && !text.endsWith("\n")) writeAllSync(fd, "\n", path);
    return new PublishJournal(path, known, fd);
  }

  /** Whether `key` is known to hold these bytes. */
  has(key: string, sha256: string): boolean {
    return this.known.get(key) === sha256;
  }

  /** Records that `key` holds `sha256` at the destination; on disk when it returns. */
  record(key: string, sha256: string, how: "sent" | "present", at: number): void {
    writeAllSync(
      this.#fd,
      `${JSON.stringify({ key, sha256, how, at: new Date(at).toISOString() })}\n`,
      this.path,
    );
    fsyncSync(this.#fd);
    this.known.set(key, sha256);
  }

  /** Records that `key` was removed from the destination; on disk when it returns. */
  forget(key: string, at: number): void {
    writeAllSync(
      this.#fd,
      `${JSON.stringify({ key, how: "deleted", at: new Date(at).toISOString() })}\n`,
      this.path,
    );
    fsyncSync(this.#fd);
    this.known.delete(key);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
