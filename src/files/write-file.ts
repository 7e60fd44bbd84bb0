import { constants, fstatSync, ftruncateSync, writeSync } from "node:fs";
import { type FileHandle, lstat, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { checkFolders, mkdirs } from "./folders.js";
import { linkRefused } from "./link-refused.js";
import { NOFOLLOW } from "./open-file.js";

/** What the writer needs of an open file: a positional-less write saying how much it took. */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
}

/** A write that took no byte (EIO, with the path, as the system's own errors carry it). */
const shortWrite = (path: string, done: number, total: number) =>
  Object.assign(new Error(`short write to ${path}: ${done} of ${total} bytes written, then none`), {
    code: "EIO",
    path,
  });

/**
 * Writes all of `bytes`: a write that takes part of them (a signal, a disk nearly full) is
 * followed by one for the rest; a write that takes none is an error (EIO), never a file that
 * silently ends short.
 */
export async function writeAll(file: WritableFile, bytes: Uint8Array, path: string): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done);
    if (!(bytesWritten > 0)) throw shortWrite(path, done, bytes.length);
    done += bytesWritten;
  }
}

/**
 * `writeAll` for the stores that append with a file descriptor (O_APPEND): all of `text` or an
 * error, and then none of it. The part a short write took (a disk filling up) is cut back off:
 * left there, the next line appended once there is room would glue onto it, one garbage line.
 */
export function writeAllSync(fd: number, text: string | Uint8Array, path: string): void {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  let done = 0;
  try {
    while (done < bytes.length) {
      const n = writeSync(fd, bytes, done, bytes.length - done);
      if (!(n > 0)) throw shortWrite(path, done, bytes.length);
      done += n;
    }
  } catch (error) {
    if (done > 0)
      try {
        ftruncateSync(fd, fstatSync(fd).size - done);
      } catch {
        // Cutting back failed too: the reader drops a torn last line.
      }
    throw error;
  }
}

/** What `writeFileAtomic` writes: the whole text or bytes, or chunks of them in order. */
export type FileContent =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** How `writeFileAtomic` writes. */
export interface WriteOptions {
  /** fsync the file before the rename; false for a file that can be made again. @default true */
  readonly fsync?: boolean;
  /**
   * fsync the folder after the rename, so the new name survives a power cut (state files the
   * next run relies on: the journal, report, prices). @default false
   */
  readonly syncFolder?: boolean;
  /** The output folder: every folder between it and the file is checked not to be a link. */
  readonly within?: string;
}

let written = 0;

/**
 * A temporary name beside `path`: its name, a dot, the process id, a dash and a count, the form
 * `cleanTempFiles` removes once that process is gone (a killed run), never while it writes.
 */
export const tempName = (path: string): string => `${path}.${process.pid}-${++written}`;

/** Creates the temporary file: a new file, never one already there (it could be a link). */
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

async function create(tmp: string): Promise<FileHandle> {
  try {
    return await open(tmp, CREATE, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdirs(dirname(tmp));
    return open(tmp, CREATE, 0o644);
  }
}

/** Bytes gathered from small chunks (lines) before each write: a write a line would be slow. */
const GATHER = 1 << 20;

async function* chunks(content: FileContent): AsyncGenerator<Uint8Array> {
  if (typeof content === "string") yield Buffer.from(content);
  else if (content instanceof Uint8Array) yield content;
  else {
    let held: Uint8Array[] = [];
    let size = 0;
    for await (const c of content) {
      const bytes = typeof c === "string" ? Buffer.from(c) : c;
      held.push(bytes);
      size += bytes.length;
      if (size < GATHER) continue;
      yield held.length === 1 ? bytes : Buffer.concat(held, size);
      held = [];
      size = 0;
    }
    if (size > 0) yield Buffer.concat(held, size);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const dir = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Writes a file so that no reader ever sees half of it, and never through a symbolic link: a
 * new temporary file in the same folder (O_CREAT | O_EXCL | O_NOFOLLOW), every byte written
 * (see `writeAll`), fsynced, then renamed over the target. A link at the target (or, with
 * `within`, at a folder on the way) is a STATE_UNTRUSTED error naming it, and nothing is
 * written; a rename never follows one, so a link made meanwhile is replaced, not written through.
 * Missing folders are made. On any error the temporary file is removed.
 *
 * The steps write-file-atomic takes, without what it adds to every file (resolving links with an
 * lstat per path component, which is what writes to a link's target; a stat, chown and chmod):
 * one lstat a file here, where delivery at 100,000 images a night counts thread-pool calls.
 */
export async function writeFileAtomic(
  path: string,
  content: FileContent,
  options: WriteOptions = {},
): Promise<void> {
  const folder = dirname(path);
  await checkFolders(folder, options.within);
  const tmp = tempName(path);
  const file = await create(tmp);
  try {
    for await (const bytes of chunks(content)) await writeAll(file, bytes, path);
    if (options.fsync ?? true) await file.sync();
    await file.close();
    // A link checked when the file is whole: there is no write to undo, only a rename not to make.
    const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (stats?.isSymbolicLink()) throw await linkRefused(path, "file");
    await rename(tmp, path);
  } catch (error) {
    await file.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  }
  if (options.syncFolder) await syncFolder(folder);
}
