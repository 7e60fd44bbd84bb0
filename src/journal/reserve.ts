import { closeSync, constants, fstatSync, ftruncateSync, openSync, statfsSync, writeSync } from "node:fs";

/**
 * Room the journal keeps aside for the end of a run whose disk fills up (`.state/journal.reserve`):
 * as databases do, a file of zeros made when the journal is opened and shrunk, a few pages at a
 * time, when a journal line meets ENOSPC or EDQUOT. What the run has in flight when the disk
 * fills (the request ids fal just gave, their results, why each job stopped) then still reaches
 * the journal, so the next run pays for none of it again. 256 KiB holds about a thousand such
 * lines: far more than a run has in flight; past it, a line not written is printed instead.
 */
export const RESERVE_BYTES = 256 * 1024;

/**
 * Whether the disk holding `path` has at least a reserve's worth of room left: with less, no
 * new request is sent (`Journal.appendNow` refuses its `submitting` line), since its result
 * could not be stored and a journal line of it might not be. Asked once per submit (a statfs);
 * a file system that cannot say counts as having room.
 */
export function hasRoom(path: string, bytes: number = RESERVE_BYTES): boolean {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize >= bytes;
  } catch {
    return true;
  }
}

/** What is freed at once: whole pages, so a file system that counts pages gives the line its room. */
const STEP_BYTES = 8 * 1024;

export class JournalReserve {
  #size: number;

  private constructor(
    readonly path: string,
    size: number,
  ) {
    this.#size = size;
  }

  /**
   * Makes (or tops up) the reserve at `path` to `bytes`; never through a symlink. A disk that
   * has not that much room left fails here, before anything is sent: a run could not store
   * its results there either.
   */
  static make(path: string, bytes: number = RESERVE_BYTES): JournalReserve {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o644);
    try {
      // Written, not truncated up: a sparse file would keep no room at all.
      let size = fstatSync(fd).size;
      if (size < bytes) {
        const zeros = Buffer.alloc(bytes - size);
        for (let at = 0; at < zeros.length; ) {
          const n = writeSync(fd, zeros, at, zeros.length - at, size + at);
          if (n <= 0)
            throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
              code: "ENOSPC",
              path,
            });
          at += n;
        }
        size = bytes;
      }
      return new JournalReserve(path, size);
    } catch (error) {
      // A write names no file: the cause a person reads must.
      (error as NodeJS.ErrnoException).path ??= path;
      throw error;
    } finally {
      closeSync(fd);
    }
  }

  /** Bytes still kept aside, as last seen. */
  get size(): number {
    return this.#size;
  }

  /**
   * Frees room for `bytes` more (a step at least); false once nothing is left to free (the file
   * gone or emptied, by this run or by anyone).
   */
  release(bytes: number): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0));
    } catch {
      this.#size = 0;
      return false;
    }
    try {
      const now = fstatSync(fd).size;
      if (now === 0) {
        this.#size = 0;
        return false;
      }
      const step = Math.ceil(Math.max(bytes, 1) / STEP_BYTES) * STEP_BYTES;
      // Shrinking needs no room: it works on a full disk.
      this.#size = Math.max(0, now - step);
      ftruncateSync(fd, this.#size);
      return true;
    } catch {
      return false;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Writes `line` at the end of `fd` whole or not at all: a short write (the disk filling in the
 * middle of it) goes on when `room` (told the error and the bytes still to write) made some,
 * or is cut back off, so no torn line is ever followed by another. Throws what stopped it.
 */
export function writeWhole(
  fd: number,
  line: string,
  room: (error: unknown, missing: number) => boolean,
): void {
  const bytes = Buffer.from(line);
  let done = 0;
  while (done < bytes.length) {
    try {
      const n = writeSync(fd, bytes, done, bytes.length - done);
      if (n <= 0)
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      done += n;
    } catch (error) {
      if (room(error, bytes.length - done)) continue;
      if (done > 0)
        try {
          ftruncateSync(fd, fstatSync(fd).size - done);
        } catch {
          // Cutting back failing too: the next run drops a torn last line (see `readJournalFile`).
        }
      throw error;
    }
  }
}
