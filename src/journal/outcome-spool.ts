import { closeSync, mkdirSync, openSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { JobOutcome } from "../model/job-outcome.js";

/** Closes a spool's file once nothing can read the spool any more. */
const closing = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
});

/**
 * This run's outcomes by job id, written to a file as each job ends and read back, one at a
 * time, as the report's passes ask for them, so a catalog night does not hold every outcome in
 * the heap to its end (docs/benchmarks.md has the figures). The heap keeps each outcome's place
 * in the file (a few dozen bytes); each read makes the outcome anew. Outcomes of jobs the run did
 * nothing for (`skipped`, `not_run`) stay in the heap: they are a few fields around image records
 * the run's start decisions hold anyway, and spooling them only costs a no-op night time.
 *
 * The file is under `.state/` and has no name: it is removed as soon as it is opened, so the
 * system frees it when the spool's descriptor closes, which is when nothing refers to the spool
 * any more (the report made from it included), or when the process ends, killed or not. Where
 * an open file cannot be removed (Windows), there is no file: every outcome is held in the heap,
 * as one that cannot be written is. The journal, not this file, is what a later run reads.
 */
export class OutcomeSpool {
  readonly #fd: number | undefined;
  readonly #held = new Map<string, JobOutcome>();
  readonly #slot = new Map<string, number>();
  readonly #start: number[] = [];
  readonly #length: number[] = [];
  #end = 0;
  #warned = false;
  readonly #warn: (cause: string) => void;

  /** `warn` is told, once, when an outcome cannot be written (a full disk): it is then held in the heap. */
  constructor(outputDir: string, warn: (cause: string) => void = () => {}) {
    this.#warn = warn;
    const dir = join(outputDir, ".state");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `outcomes-${process.pid}-${Math.floor(Math.random() * 1e9)}.jsonl`);
    const fd = openSync(path, "wx+", 0o600);
    try {
      unlinkSync(path);
    } catch {
      closeSync(fd);
      rmSync(path, { force: true });
      return;
    }
    this.#fd = fd;
    closing.register(this, fd);
  }

  set(id: string, outcome: JobOutcome): void {
    if (outcome.status === "skipped" || outcome.status === "not_run" || !this.#write(id, outcome)) {
      this.#held.set(id, outcome);
      this.#slot.delete(id);
      return;
    }
    this.#held.delete(id);
  }

  /** Writes the outcome at the file's end and keeps its place; false when it could not. */
  #write(id: string, outcome: JobOutcome): boolean {
    if (this.#fd === undefined) return false;
    const bytes = Buffer.from(`${JSON.stringify(outcome)}\n`);
    let written = 0;
    try {
      while (written < bytes.length)
        written += writeSync(this.#fd, bytes, written, bytes.length - written, this.#end + written);
    } catch (error) {
      if (!this.#warned) this.#warn((error as Error).message);
      this.#warned = true;
      return false;
    }
    let slot = this.#slot.get(id);
    if (slot === undefined) {
      slot = this.#start.length;
      this.#slot.set(id, slot);
    }
    this.#start[slot] = this.#end;
    this.#length[slot] = bytes.length - 1;
    this.#end += bytes.length;
    return true;
  }

  get(id: string): JobOutcome | undefined {
    const held = this.#held.get(id);
    if (held !== undefined) return held;
    const slot = this.#slot.get(id);
    if (slot === undefined || this.#fd === undefined) return undefined;
    const length = this.#length[slot] as number;
    const start = this.#start[slot] as number;
    const bytes = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.#fd, bytes, read, length - read, start + read);
      if (n === 0) throw new Error(`the run's outcome file ended early (job ${id})`);
      read += n;
    }
    return JSON.parse(bytes.toString("utf8")) as JobOutcome;
  }

  get size(): number {
    return this.#slot.size + this.#held.size;
  }
}
