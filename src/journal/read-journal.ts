import { PipelineError } from "../errors.js";
import { openFile } from "../files/index.js";

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

/** How a journal file is read. */
export interface ReadJournalOptions {
  /** Why a parsed line is not an entry to replay (see `entryProblem`); undefined when it is. */
  readonly check?: (entry: unknown) => string | undefined;
}

/**
 * A journal line that is not an entry (garbage, or a forged line failing the checks), with lines
 * after it: not a crash's torn end. Nothing after it can be trusted to be all there is, and
 * cutting the file back would forget requests fal was paid for, so the run stops and the file is
 * left as it is (`--repair-journal` keeps every request it can read).
 */
export class JournalDamagedError extends PipelineError {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(
      "STATE_UNTRUSTED",
      `${path}:${line}: ${reason}: the journal is damaged or was edited; it is left as it is and nothing was sent (run with --repair-journal to set it aside and keep every request it can read)`,
    );
    this.name = "JournalDamagedError";
  }
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads a journal file (JSON lines) a chunk at a time and hands each entry to `onEntry`, in order, so a
 * journal is replayed as it is read, never held as text or as a list of entries. A torn last
 * line (a crash mid-write: the bytes after the last newline, or a last line that does not parse)
 * is not handed on; `validBytes` says where the trusted lines end. A line that does not parse or
 * fails `check` with any line after it is a JournalDamagedError (so is a last line failing `check`:
 * a crash cannot write a line that parses).
 */
export async function readJournalFile<Entry>(
  path: string,
  onEntry: (entry: Entry) => void,
  options: ReadJournalOptions = {},
): Promise<JournalRead> {
  const file = await openFile(path, "read");
  if (!file) return { lines: 0, validBytes: 0, size: 0 };
  const { size } = await file.stat();
  const chunk = Buffer.allocUnsafe(CHUNK);
  let rest: Buffer = Buffer.alloc(0);
  let bytes = 0;
  let validBytes = 0;
  let lines = 0;
  let lineNo = 0;
  /** A line that does not parse: a torn end if nothing follows it. */
  let torn: { line: number; reason: string } | undefined;
  const damaged = (at: { line: number; reason: string }) => new JournalDamagedError(path, at.line, at.reason);
  try {
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, CHUNK, bytes);
      if (bytesRead === 0) break;
      // Where `data` starts in the file.
      const base = bytes - rest.length;
      bytes += bytesRead;
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : chunk;
      const end = rest.length > 0 ? data.length : bytesRead;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1 && nl < end; nl = data.indexOf(10, start)) {
        lineNo += 1;
        const text = data.toString("utf8", start, nl);
        start = nl + 1;
        if (text.trim() === "") {
          if (!torn) validBytes = base + start;
          continue;
        }
        if (torn) throw damaged(torn);
        const entry = parseLine(text);
        if (entry === undefined) {
          torn = { line: lineNo, reason: "a line that is not JSON" };
          continue;
        }
        const problem = options.check?.(entry);
        if (problem !== undefined) throw damaged({ line: lineNo, reason: problem });
        onEntry(entry as Entry);
        lines += 1;
        validBytes = base + start;
      }
      // The chunk buffer is read into again: keep a copy of the unfinished line.
      rest = Buffer.from(data.subarray(start, end));
    }
    if (torn && rest.toString("utf8").trim() !== "") throw damaged(torn);
    return { lines, validBytes, size };
  } finally {
    await file.close();
  }
}
