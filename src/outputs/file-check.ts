import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { FileStamp } from "../model/image-record.js";

/**
 * What the file system says of a written file, as git's index keeps it: when all three still
 * match, the file is taken as unchanged without reading it. Numbers too large for JSON are
 * kept as decimal strings.
 */

/** The stamp of a file, or undefined when it is not there. */
export async function stampOf(path: string): Promise<FileStamp | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return { size: Number(s.size), mtimeNs: s.mtimeNs.toString(), ino: s.ino.toString() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

const sameStamp = (a: FileStamp, b: FileStamp) =>
  a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino;

/** sha256 of a file, read as a stream (a 50 MB image is never one buffer). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** What `checkFile` found. */
export type FileCheck =
  /** Its stamp matches the record: not read. */
  | { readonly state: "unchanged" }
  /** Its stamp changed but its bytes hash the same: `stamp` is the record to keep from now on. */
  | { readonly state: "same-bytes"; readonly stamp: FileStamp }
  /** Missing, or its bytes differ from the record. */
  | { readonly state: "changed"; readonly why: "missing" | "bytes differ" };

/**
 * Whether a written file is still what was written. With a recorded stamp that still matches,
 * the file is not read (a night with nothing to do reads metadata, not bytes); otherwise, or
 * with `verify`, it is hashed. A file changed with its size and time put back is caught only by
 * `verify` — the same trade git makes.
 */
export async function checkFile(
  path: string,
  record: { readonly sha256: string; readonly stamp?: FileStamp },
  verify = false,
): Promise<FileCheck> {
  const now = await stampOf(path);
  if (now === undefined) return { state: "changed", why: "missing" };
  if (!verify && record.stamp !== undefined && sameStamp(now, record.stamp)) return { state: "unchanged" };
  let hash: string;
  try {
    hash = await sha256File(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "changed", why: "missing" };
    throw error;
  }
  if (hash !== record.sha256) return { state: "changed", why: "bytes differ" };
  return record.stamp !== undefined && sameStamp(now, record.stamp)
    ? { state: "unchanged" }
    : { state: "same-bytes", stamp: now };
}
