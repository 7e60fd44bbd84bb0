import { constants, openSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { checkFolders } from "./folders.js";
import { isLinkError, linkRefused, linkRefusedSync } from "./link-refused.js";

/** Never through a symbolic link at the last part of the path (0 where the platform has none). */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const FLAGS = {
  read: constants.O_RDONLY,
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
  /** Read and write in place (a torn end cut off), made when missing. */
  update: constants.O_RDWR | constants.O_CREAT,
} as const;

/** How a file is opened: read only, appended to, or read and cut back. */
export type OpenMode = keyof typeof FLAGS;

/** Where the runner's own part of a path starts; folders below it must not be links either. */
export interface OpenOptions {
  /** The output folder (itself possibly a link): every folder below it on the way is checked. */
  readonly within?: string;
}

/**
 * Opens a file of the runner's state without following a symbolic link (O_NOFOLLOW): a link
 * there is a STATE_UNTRUSTED error naming the path, never a read or write of another file.
 * Reading a file that does not exist gives undefined; appending makes it (mode 0644).
 */
export async function openFile(
  path: string,
  mode: "read",
  options?: OpenOptions,
): Promise<FileHandle | undefined>;
export async function openFile(
  path: string,
  mode: "append" | "update",
  options?: OpenOptions,
): Promise<FileHandle>;
export async function openFile(
  path: string,
  mode: OpenMode,
  options: OpenOptions = {},
): Promise<FileHandle | undefined> {
  await checkFolders(dirname(path), options.within);
  try {
    return await open(path, FLAGS[mode] | NOFOLLOW, 0o644);
  } catch (error) {
    if (isLinkError(error)) throw await linkRefused(path, "file", error);
    if (mode === "read" && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * `openFile(path, "append")` as a file descriptor, for the stores that append with
 * `writeSync` (the folders on the way are checked by whoever made them: see `makeFolder`).
 */
export function openAppendSync(path: string): number {
  try {
    return openSync(path, FLAGS.append | NOFOLLOW, 0o644);
  } catch (error) {
    if (isLinkError(error)) throw linkRefusedSync(path, "file", error);
    throw error;
  }
}

/** How much of a file is read. */
export interface ReadOptions extends OpenOptions {
  /** More bytes than this is an error (EFBIG) before they are all read: a state file anyone can grow. */
  readonly maxBytes?: number;
}

/** Reads what `file` holds, up to `maxBytes` (then EFBIG naming `path`). */
async function readUpTo(file: FileHandle, path: string, maxBytes: number): Promise<Buffer> {
  const tooBig = () =>
    Object.assign(new Error(`${path} is over the ${maxBytes} bytes limit`), { code: "EFBIG", path });
  const { size } = await file.stat();
  if (size > maxBytes) throw tooBig();
  // The size may change while reading: read to the cap, not to the size.
  const chunk = Math.min(maxBytes + 1, Math.max(size + 1, 64 * 1024));
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(chunk);
    const { bytesRead } = await file.read(buffer, 0, chunk, total);
    if (bytesRead === 0) return Buffer.concat(parts, total);
    parts.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) throw tooBig();
  }
}

/** A file's bytes, or undefined when there is none; never read through a link. */
export async function readBytes(path: string, options: ReadOptions = {}): Promise<Buffer | undefined> {
  const file = await openFile(path, "read", options);
  if (!file) return undefined;
  try {
    return options.maxBytes === undefined
      ? await file.readFile()
      : await readUpTo(file, path, options.maxBytes);
  } finally {
    await file.close();
  }
}

/** A file's text (UTF-8), or undefined when there is none; never read through a link. */
export async function readTextFile(path: string, options: ReadOptions = {}): Promise<string | undefined> {
  return (await readBytes(path, options))?.toString("utf8");
}
