import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/** The file's bytes, or why they cannot be had: a sentence naming the path. */
export type BoundedRead = { readonly bytes: Buffer } | { readonly refused: string };

const CHUNK = 64 * 1024;

/** `1048576` → `1 MiB`: caps in messages as they are documented. */
export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MiB` : `${n} bytes`;
}

function openRefusal(path: string, code: string | undefined): string {
  if (code === "ENOENT") return `file not found: ${path}`;
  if (code === "EISDIR") return `${path} is a folder, not a file`;
  if (code === "ENAMETOOLONG") return `the path is too long: ${path.slice(0, 80)}…`;
  return `cannot read ${path} (${code})`;
}

/**
 * Reads a regular file of at most `maxBytes`. A device (`/dev/zero`), a FIFO or a socket is
 * refused before a byte is read, and so is a file over the cap, so neither can hang the
 * caller or fill its memory. Symlinks to a regular file are followed: inputs may be linked.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<BoundedRead> {
  let handle: FileHandle;
  try {
    // Without O_NONBLOCK, opening a FIFO waits for a writer that may never come.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return { refused: openRefusal(path, (error as NodeJS.ErrnoException).code) };
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) return { refused: `${path} is a folder, not a file` };
    if (!stat.isFile()) return { refused: `${path} is not a regular file (a device, FIFO or socket)` };
    const over = { refused: `${path} is over the ${formatBytes(maxBytes)} limit` };
    if (stat.size > maxBytes) return over;
    // The size can change while reading, and some files report none: read to the cap, not to it.
    let buffer = Buffer.allocUnsafe(Math.max(CHUNK, stat.size + 1));
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(bigger, 0, 0, total);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) return over;
    }
    return { bytes: buffer.subarray(0, total) };
  } catch (error) {
    return { refused: openRefusal(path, (error as NodeJS.ErrnoException).code) };
  } finally {
    await handle.close();
  }
}
