import { closeSync, fdatasync, fsyncSync, ftruncateSync } from "node:fs";
import { join } from "node:path";
import { makeFolder, openAppendSync, writeFileAtomic } from "../files/index.js";
import type { ImageRecord } from "../model/image-record.js";
import type { KeptImage, RenderRecipe } from "../model/kept-image.js";
import type { QueueUrls } from "../model/queue-urls.js";
import type { SpendCarry } from "../model/spend.js";

import { entryProblem } from "./entry-check.js";
import { readJournalFile } from "./read-journal.js";
import { hasRoom, JournalReserve, writeWhole } from "./reserve.js";

/** A line of the run journal: what happened to a job (by key), in order. */
export type JournalEntry =
  /** A run began; `renders: false` when it leaves rendering to `seedream-pipeline render`. */
  | {
      readonly t: number;
      readonly type: "run";
      readonly run: string;
      readonly pid: number;
      readonly renders?: false;
    }
  /**
   * Spend of requests whose own lines are gone (a compaction dropped them, or `--fresh` set the
   * journal aside), so the folder's total spend still adds up (see `tallySpend`).
   */
  | ({ readonly t: number; readonly type: "spent" } & SpendCarry)
  /**
   * Written (and on disk) as a submit leaves, so a kill during the submit is known; `t` is when
   * it left. The rest (absent in older journals) finds it in fal's request history (`Doubt`).
   */
  | {
      readonly t: number;
      readonly type: "submitting";
      readonly key: string;
      readonly job: string;
      /** Where it is sent (`FalAccess.source`); absent in journals older than the field. */
      readonly source?: string;
      readonly endpoint?: string;
      /** `inputDigest` of the input sent. */
      readonly digest?: string;
      /** From when fal can no longer be queuing or running it (epoch ms). */
      readonly notAfter?: number;
      /** false: sent with `X-Fal-Store-IO: 0`, so fal's history keeps no input to find it by. */
      readonly storeIo?: false;
    }
  | {
      readonly t: number;
      readonly type: "submitted";
      readonly key: string;
      readonly job: string;
      readonly request: string;
      readonly endpoint: string;
      readonly source?: string;
      /**
       * The seed sent, when the input had one: a rejected image made again has a seed the
       * manifest does not hold, and the next runs must still say which made it.
       */
      readonly seed?: number;
      /** fal's `status_url`, `response_url`, `cancel_url` (absent in older journals, and for a request found in the history). */
      readonly urls?: QueueUrls;
    }
  | {
      readonly t: number;
      readonly type: "completed";
      readonly key: string;
      readonly request: string;
      readonly result: unknown;
    }
  | ({
      readonly t: number;
      readonly type: "image";
      readonly key: string;
      readonly request: string;
    } & ImageRecord)
  /**
   * Image n of the result kept: downloaded, checked whole, hashed, its original under
   * `.state/originals/`. fal's part of it is over; its outputs are rendered apart, as `recipe`
   * says, and an `image` line with the recipe's settings says they are.
   */
  | ({
      readonly t: number;
      readonly type: "kept";
      readonly key: string;
      readonly request: string;
      readonly n: number;
      readonly recipe: RenderRecipe;
    } & KeptImage)
  | { readonly t: number; readonly type: "done"; readonly key: string; readonly request: string }
  | {
      readonly t: number;
      readonly type: "failed";
      readonly key: string;
      readonly request?: string;
      readonly cause: string;
      readonly class: string;
    }
  /**
   * The job's last try failed for a cause that is not permanent: the next run takes it up by
   * itself (re-attaching to `request`, or delivering the result kept, or submitting when none).
   */
  | {
      readonly t: number;
      readonly type: "unfinished";
      readonly key: string;
      readonly request?: string;
      readonly stage: string;
      readonly cause: string;
      readonly class: string;
    }
  | {
      readonly t: number;
      readonly type: "canceled";
      readonly key: string;
      readonly request: string;
      readonly cause: string;
    }
  | { readonly t: number; readonly type: "expired"; readonly key: string; readonly request: string };

/** Distributes Omit over the union, so each entry keeps its own fields. */
export type NewEntry = JournalEntry extends infer E
  ? E extends { t: number }
    ? Omit<E, "t">
    : never
  : never;

/** `entries` as JSON lines, a megabyte at a time. */
function* lines(entries: Iterable<JournalEntry>): Generator<string> {
  let buffer = "";
  for (const e of entries) {
    buffer += `${JSON.stringify(e)}\n`;
    if (buffer.length >= 1 << 20) {
      yield buffer;
      buffer = "";
    }
  }
  yield buffer;
}

/** Writes `entries` as the file at `path`, atomically, the rename synced (never through a link). */
function writeLines(path: string, entries: Iterable<JournalEntry>): Promise<void> {
  return writeFileAtomic(path, lines(entries), { syncFolder: true });
}

/** Opens the journal for appending, never through a symlink (checked before: a race is an error). */
const openAppend = openAppendSync;

/** Who is told when the journal cannot write (see `Journal.watch`). */
export interface JournalWatch {
  /** A line met an error (disk full, read-only, failing): told at once, even if the reserve made room. */
  failed(error: NodeJS.ErrnoException): void;
  /** A line that is not on disk and never will be: what it names must be told some other way. */
  lost(entry: JournalEntry): void;
}

/** Errors a freed page of the reserve can cure. */
const NO_ROOM = new Set(["ENOSPC", "EDQUOT"]);

/**
 * The run journal under `<output>/.state/journal.jsonl`: append-only. Each line is written to
 * the file the moment it is appended (a process killed after that loses nothing), and the
 * promise `append` returns resolves once it is on disk (fdatasync), before the step it records
 * is acted on. Syncs are group commits: one at a time, and every line written while one runs
 * shares the next, so a run with 32 requests in flight pays a few syncs a second, not one a line.
 */
export class Journal {
  #fd: number;
  /** The sync on disk now, if any. */
  #running: Promise<void> | undefined;
  /** The next sync, waiting for the running one; lines written meanwhile are all in it. */
  #next: Promise<void> | undefined;
  #closed = false;
  /** Lines written and not yet in a sync that started (their sync failing loses them). */
  #unsynced: JournalEntry[] = [];
  /** The first error a line met. */
  #failure: NodeJS.ErrnoException | undefined;
  /** Set once a line is lost: nothing more is written, so the file stays a prefix of the run. */
  #broken: NodeJS.ErrnoException | undefined;
  readonly #lost: JournalEntry[] = [];
  readonly #watchers: JournalWatch[] = [];
  #reserve: JournalReserve | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    readonly clock: () => number,
    readonly source: string | undefined,
    readonly onEntry: ((entry: JournalEntry) => void) | undefined,
  ) {
    this.#fd = fd;
  }

  /**
   * Opens (or starts) the journal of an output folder, handing what it held to `onEntry` as it
   * is read (see `readJournalFile`; a torn end is cut off), and every entry appended after;
   * without `onEntry`, returning the entries it held. Every `submitting` and `submitted` line it writes carries `source` (where fal
   * traffic goes).
   */
  static async open(
    outputDir: string,
    clock: () => number = Date.now,
    source?: string,
    onEntry?: (entry: JournalEntry) => void,
    check: (entry: unknown) => string | undefined = (e) => entryProblem(e),
  ): Promise<{ journal: Journal; entries: JournalEntry[]; lines: number }> {
    const dir = join(outputDir, ".state");
    await makeFolder(dir, outputDir);
    const path = join(dir, "journal.jsonl");
    const entries: JournalEntry[] = [];
    const read = await readJournalFile<JournalEntry>(
      path,
      onEntry ??
        ((e) => {
          entries.push(e);
        }),
      { check },
    );
    const fd = openAppend(path);
    if (read.validBytes < read.size) ftruncateSync(fd, read.validBytes);
    const journal = new Journal(path, fd, clock, source, onEntry);
    try {
      journal.#reserve = JournalReserve.make(join(dir, "journal.reserve"));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return { journal, entries, lines: read.lines };
  }

  /** Replaces the journal with `entries` before it is opened (the spend `--fresh` carries), atomically. */
  static async rewrite(outputDir: string, entries: Iterable<JournalEntry>): Promise<void> {
    await writeLines(join(outputDir, ".state", "journal.jsonl"), entries);
  }

  /**
   * Replaces the journal with `entries` (a compaction: what it says, not how it got there),
   * atomically, and goes on appending to the new file. Called before anything is appended.
   */
  async compact(entries: Iterable<JournalEntry>): Promise<void> {
    await writeLines(this.path, entries);
    closeSync(this.#fd);
    this.#fd = openAppend(this.path);
  }

  /** Tells `watch` when a line meets an error and of every line lost; what came before, at once. */
  watch(watch: JournalWatch): void {
    this.#watchers.push(watch);
    if (this.#failure) watch.failed(this.#failure);
    for (const e of this.#lost) watch.lost(e);
  }

  /** The entry stamped with the time (a submit: the source), handed to `onEntry` (see `open`). */
  #stamp(entry: NewEntry): JournalEntry {
    const stamped =
      this.source !== undefined && (entry.type === "submitting" || entry.type === "submitted")
        ? { ...entry, source: entry.source ?? this.source }
        : entry;
    const full = { t: this.clock(), ...stamped } as JournalEntry;
    this.onEntry?.(full);
    return full;
  }

  #failed(error: unknown): NodeJS.ErrnoException {
    const e = error as NodeJS.ErrnoException;
    // A write names no file: the cause a person reads must.
    if (e.path === undefined) e.path = this.path;
    this.#failure ??= e;
    for (const w of this.#watchers) w.failed(e);
    return e;
  }

  #lose(entries: readonly JournalEntry[], error: NodeJS.ErrnoException): void {
    this.#broken ??= error;
    for (const e of entries) {
      this.#lost.push(e);
      for (const w of this.#watchers) w.lost(e);
    }
  }

  /** Writes the line unless the journal is broken; false when it is not written (it is lost). */
  #put(entry: JournalEntry): boolean {
    if (this.#broken) {
      this.#lose([entry], this.#broken);
      return false;
    }
    try {
      writeWhole(this.#fd, `${JSON.stringify(entry)}\n`, (error, missing) => {
        const e = this.#failed(error);
        return NO_ROOM.has(e.code ?? "") && this.#reserve?.release(missing) === true;
      });
      return true;
    } catch (error) {
      this.#lose([entry], error as NodeJS.ErrnoException);
      return false;
    }
  }

  /** Lines written whose sync failed are lost (whether they reached the disk is unknown). */
  #syncFailed(error: unknown, group: readonly JournalEntry[]): void {
    const e = this.#failed(error);
    this.#lose(group, e);
  }

  /**
   * Writes and fsyncs at once, before returning: for a line that must be on disk before a send
   * leaves. False when it is not on disk (the watchers were told): the send must not leave. A
   * `submitting` line is refused on a disk with less room left than the reserve (see `hasRoom`).
   */
  appendNow(entry: NewEntry): boolean {
    if (this.#closed) return false;
    if (entry.type === "submitting" && !hasRoom(this.path)) {
      // Refused, not lost: nothing was sent. The journal goes on (its reserve is for what is in flight).
      this.#failed(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
      return false;
    }
    const full = this.#stamp(entry);
    if (!this.#put(full)) return false;
    this.#unsynced.push(full);
    try {
      fsyncSync(this.#fd);
      this.#unsynced = [];
      return true;
    } catch (error) {
      const group = this.#unsynced;
      this.#unsynced = [];
      this.#syncFailed(error, group);
      return false;
    }
  }

  /**
   * Writes the line now; resolves once it is on disk, or once it is known it will not be (the
   * watchers are told then, before it resolves: it never rejects). A `submitting` line is
   * awaited before its request is sent and a `submitted` line before its job goes on, as every
   * other line.
   */
  append(entry: NewEntry): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const full = this.#stamp(entry);
    if (!this.#put(full)) return Promise.resolve();
    this.#unsynced.push(full);
    return this.#sync();
  }

  /** A sync that starts after every line written so far (group commit). */
  #sync(): Promise<void> {
    if (this.#next) return this.#next;
    const start = () => {
      this.#next = undefined;
      if (this.#closed) return;
      const group = this.#unsynced;
      this.#unsynced = [];
      const running = new Promise<void>((done) =>
        fdatasync(this.#fd, (error) => {
          if (error) this.#syncFailed(error, group);
          done();
        }),
      );
      this.#running = running;
      return running.finally(() => {
        if (this.#running === running) this.#running = undefined;
      });
    };
    const next = (this.#running ?? Promise.resolve()).then(start);
    this.#next = next;
    return next;
  }

  /** Syncs what is written and closes the file (after a sync still running, if any). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      fsyncSync(this.#fd);
    } catch (error) {
      const group = this.#unsynced;
      this.#unsynced = [];
      this.#syncFailed(error, group);
    }
    const fd = this.#fd;
    if (this.#running) void this.#running.finally(() => closeSync(fd));
    else closeSync(fd);
  }
}
