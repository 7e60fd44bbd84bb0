import { open } from "node:fs/promises";

/** Bytes read at a time: a 100,000-job journal is never one string in memory. */
const CHUNK = 1 << 20;

/** What reading a journal file found. */
export interface JournalRead {
  /** Whole lines read. */
  readonly lines: number;
  /** Bytes of the whole lines that parse, from the start: the file is cut back to them. */
  readonly validBytes: number;
  /** The file's size (0 when there is none): more than `validBytes` means a torn end. */
  readonly size: number;
}

/**
 * Reads a journal file (JSON lines) a chunk at a time and hands each entry to `onEntry`, in order, so a
 * journal is replayed as it is read, never held as text or as a list of entries. A torn last
 * line (a crash mid-write: the bytes after the last newline, or a line that does not parse) and
 * everything after it are not handed on; `validBytes` says where the trusted lines end.
 */
export async function readJournalFile<Entry>(
  path: string,
  onEntry: (entry: Entry) => void,
): Promise<JournalRead> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lines: 0, validBytes: 0, size: 0 };
    throw error;
  }
  const { size } = await file.stat();
  const chunk = Buffer.allocUnsafe(CHUNK);
  let rest: Buffer = Buffer.alloc(0);
  let bytes = 0;
  let validBytes = 0;
  let lines = 0;
  try {
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, CHUNK, bytes);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : chunk;
      const end = rest.length > 0 ? data.length : bytesRead;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1 && nl < end; nl = data.indexOf(10, start)) {
        const text = data.toString("utf8", start, nl);
        if (text.trim() !== "") {
          const entry = parseLine(text) as Entry | undefined;
          // Anything after a line that does not parse is not trusted either.
          if (entry === undefined) return { lines, validBytes, size };
          onEntry(entry);
          lines += 1;
        }
        validBytes += nl - start + 1;
        start = nl + 1;
      }
      // The chunk buffer is read into again: keep a copy of the unfinished line.
      rest = Buffer.from(data.subarray(start, end));
    }
    return { lines, validBytes, size };
  } finally {
    await file.close();
  }
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
