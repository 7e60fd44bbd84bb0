import { closeSync, fsyncSync } from "node:fs";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import {
  makeFolder,
  openAppendSync,
  openFile,
  readTextFile,
  writeAllSync,
  writeFileAtomic,
} from "../files/index.js";
import { type Decision, imageId, latestDecisions, parseDecisions } from "./decisions.js";

/** The folder of review state in an output folder: `.state/review/`. */
export const reviewStateDir = (outputDir: string) => join(outputDir, ".state", "review");

/** A decision to record: the store stamps the time. */
export type NewDecision = Omit<Decision, "at">;

/**
 * The review decisions of an output folder: `.state/review/decisions.jsonl`, an append-only
 * journal (one line per decision, on disk before `record` resolves: a killed review loses
 * nothing it acknowledged), the latest line of an image winning. The review app and a run may
 * both write (a run records the images it regenerated), so every write takes a short lock, and
 * compaction rewrites the file atomically under that lock. Never read or written through a link.
 */
export class DecisionStore {
  #latest: Map<string, Decision>;
  #lines: number;

  private constructor(
    readonly dir: string,
    readonly path: string,
    latest: Map<string, Decision>,
    lines: number,
    private readonly now: () => number,
  ) {
    this.#latest = latest;
    this.#lines = lines;
  }

  /** Opens the decisions of an output folder (none yet is an empty store); a torn last line is cut off. */
  static async open(outputDir: string, now: () => number = Date.now): Promise<DecisionStore> {
    const dir = reviewStateDir(outputDir);
    await makeFolder(dir, outputDir);
    const path = join(dir, "decisions.jsonl");
    const { decisions, lines } = await withLock(dir, async () => {
      const text = await readText(path);
      const parsed = parseDecisions(text);
      if (parsed.validBytes < Buffer.byteLength(text)) await cutBack(path, parsed.validBytes);
      return { decisions: parsed.decisions, lines: parsed.decisions.length + parsed.bad };
    });
    return new DecisionStore(dir, path, latestDecisions(decisions), lines, now);
  }

  /** The latest decision of every image, in the order they were made. */
  all(): Decision[] {
    return [...this.#latest.values()];
  }

  /** The latest decision of one image, if any. */
  get(key: string, n: number): Decision | undefined {
    return this.#latest.get(imageId(key, n));
  }

  /**
   * Records decisions (one write, one fsync for all of them); resolves once they are on disk.
   * Lines other processes appended meanwhile are read first, so the latest always wins.
   */
  async record(batch: readonly NewDecision[]): Promise<Decision[]> {
    const at = new Date(this.now()).toISOString();
    const stamped = batch.map((d) => ({ ...d, at }) as Decision);
    await withLock(this.dir, async () => {
      await this.#reload();
      appendSynced(this.path, stamped.map((d) => `${JSON.stringify(d)}\n`).join(""));
    });
    for (const d of stamped) {
      this.#latest.delete(imageId(d.key, d.n));
      this.#latest.set(imageId(d.key, d.n), d);
    }
    this.#lines += stamped.length;
    return stamped;
  }

  /** Rewrites the journal as the latest decision of each image, when it holds much more than that. */
  async compact(force = false): Promise<boolean> {
    return withLock(this.dir, async () => {
      await this.#reload();
      if (!force && this.#lines <= 2 * this.#latest.size + 100) return false;
      await writeFileAtomic(
        this.path,
        this.all()
          .map((d) => `${JSON.stringify(d)}\n`)
          .join(""),
        { syncFolder: true },
      );
      this.#lines = this.#latest.size;
      return true;
    });
  }

  async #reload(): Promise<void> {
    const { decisions, bad } = parseDecisions(await readText(this.path));
    this.#latest = latestDecisions(decisions);
    this.#lines = decisions.length + bad;
  }
}

/** The latest decisions of an output folder, read-only (for the report and the gallery). */
export async function readDecisions(outputDir: string): Promise<Map<string, Decision>> {
  const text = await readText(join(reviewStateDir(outputDir), "decisions.jsonl"));
  return latestDecisions(parseDecisions(text).decisions);
}

const readText = async (path: string): Promise<string> => (await readTextFile(path)) ?? "";

/** Cuts a torn last line off, through the file itself (a truncate by name would follow a link). */
async function cutBack(path: string, bytes: number): Promise<void> {
  const file = await openFile(path, "update");
  try {
    await file.truncate(bytes);
  } finally {
    await file.close();
  }
}

function appendSynced(path: string, text: string): void {
  const fd = openAppendSync(path);
  try {
    writeAllSync(fd, text, path);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Holds the decisions lock (a lock directory; another writer waits for it) while `fn` runs. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(dir, {
    lockfilePath: join(dir, "decisions.lock"),
    realpath: false,
    stale: 10_000,
    retries: { retries: 50, minTimeout: 10, maxTimeout: 200 },
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}
