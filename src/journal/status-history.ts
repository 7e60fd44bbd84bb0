import type { JournalEntry } from "./journal.js";

/** One status change of a job key, for the report's history. */
export interface StatusChange {
  readonly at: number;
  readonly phase: string;
  readonly request?: string;
}

/**
 * Every key's status history across runs (each journal line is one change), packed: one flat
 * array a key, three slots a change (time, phase, request), the request string shared with the
 * change before when it is the same one. As an object per change, 100,000 keys held half a
 * million of them, about 500 bytes a key.
 */
export class StatusHistory {
  readonly #log = new Map<string, Array<number | string | undefined>>();

  /** Records the change a journal entry says (`run` and `spent` lines are not a key's). */
  add(e: JournalEntry): void {
    if (e.type === "run" || e.type === "spent") return;
    let log = this.#log.get(e.key);
    if (!log) {
      log = [];
      this.#log.set(e.key, log);
    }
    const named = "request" in e ? e.request : undefined;
    const before = log[log.length - 1];
    log.push(e.t, e.type, named !== undefined && named === before ? before : named);
  }

  /** A key's changes, oldest first, or undefined when the journal says nothing of it. */
  get(key: string): StatusChange[] | undefined {
    const log = this.#log.get(key);
    if (!log) return undefined;
    const changes: StatusChange[] = [];
    for (let i = 0; i + 2 < log.length; i += 3) {
      const request = log[i + 2] as string | undefined;
      const change = { at: log[i] as number, phase: log[i + 1] as string };
      changes.push(request === undefined ? change : { ...change, request });
    }
    return changes;
  }
}
