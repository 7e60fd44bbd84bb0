import { createHash } from "node:crypto";
import { join } from "node:path";
import pLimit from "p-limit";
import { readBytes, writeFileAtomic } from "../files/index.js";
import { checkStateFolder } from "../journal/state-folder.js";
import type { Destination } from "./destination.js";
import { DEFAULT_DATA_CACHE, type PublishItem } from "./plan-publish.js";
import { PublishJournal, publishStatePath } from "./publish-journal.js";

/** Where the publish manifest goes, under the destination. */
export const MANIFEST_KEY = "publish-manifest.json";

/** Options of `publish`. */
export interface PublishOptions {
  readonly outputDir: string;
  readonly pipeline: string;
  readonly destination: Destination;
  readonly items: readonly PublishItem[];
  /** List what would be sent (and deleted); send nothing, write nothing. */
  readonly dryRun?: boolean;
  /**
   * Ask the destination about every file (one HEAD each: size and sha256, no body) instead of
   * trusting the journal, and send what is missing or different there. @default false
   */
  readonly check?: boolean;
  /** Remove the files this folder published there earlier that are no longer chosen. @default false */
  readonly deleteStale?: boolean;
  /** Files in flight at once. @default 8 */
  readonly concurrency?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Told of each file as it is settled. */
  readonly onFile?: (file: PublishedFile) => void;
}

/** One file, settled. */
export interface PublishedFile {
  readonly key: string;
  readonly outcome: "sent" | "present" | "would send" | "failed" | "deleted" | "would delete";
  readonly bytes: number;
  readonly sha256?: string;
  /** A file the journal held but the destination did not (`--check`): sent again. */
  readonly restored?: "missing" | "different";
  readonly message?: string;
}

/** What a publish did. */
export interface PublishResult {
  readonly files: readonly PublishedFile[];
  readonly sent: number;
  readonly present: number;
  readonly failed: number;
  readonly bytesSent: number;
  /** Files sent again because the destination had lost or changed them (`--check`). */
  readonly restored: number;
  /**
   * Keys this output folder published to the destination earlier that are no longer chosen
   * (an approval lapsed, an image rejected, a job gone) and are still there: removed with
   * `deleteStale`.
   */
  readonly stale: readonly string[];
  /** Stale files removed (or, in a dry run, that would be). */
  readonly deleted: readonly PublishedFile[];
  /** The manifest's outcome (absent when a failure kept it from being written). */
  readonly manifest?: PublishedFile;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** What `send` needs besides the file: the options, what is known to be there, and the clock. */
interface Sender {
  readonly options: PublishOptions;
  readonly known: ReadonlyMap<string, string>;
  readonly journal: PublishJournal | undefined;
  readonly now: () => number;
}

/**
 * Copies the planned files to the destination, idempotently: a file the journal (or, with
 * `check`, the destination itself) holds with the same sha256 is not sent again, every file
 * confirmed is journaled (so a killed publish resumes), at most `concurrency` at once. When
 * nothing failed, removes stale files if asked, then writes the publish manifest (what is
 * published, with hashes) by the same rule.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const now = options.now ?? Date.now;
  await checkStateFolder(options.outputDir);
  const statePath = publishStatePath(options.outputDir, options.destination.id);
  const journal = options.dryRun ? undefined : await PublishJournal.open(statePath, options.outputDir);
  const known = journal?.known ?? (await PublishJournal.read(statePath)).known;
  const sender: Sender = { options, known, journal, now };
  const limit = pLimit(options.concurrency ?? 8);
  try {
    const settled = await Promise.all(
      options.items.map((item) =>
        limit(async () => {
          const file = await settle(sender, item);
          if (file) options.onFile?.(file);
          return file;
        }),
      ),
    );
    const files = settled.filter((f): f is PublishedFile => f !== undefined);
    const failed = files.filter((f) => f.outcome === "failed").length;
    // What this publish holds there: a sidecar the run no longer writes is stale too.
    const chosen = new Set(files.map((f) => f.key));
    const stale = [...known.keys()].filter((k) => k !== MANIFEST_KEY && !chosen.has(k)).sort();
    let deleted: PublishedFile[] = [];
    let manifest: PublishedFile | undefined;
    if (failed === 0) {
      if (options.deleteStale) deleted = await removeStale(sender, stale, limit);
      const text = Buffer.from(manifestText(options, files));
      const meta = { contentType: "application/json", cacheControl: DEFAULT_DATA_CACHE };
      manifest = await send(sender, MANIFEST_KEY, text, sha256(text), meta);
      if (!options.dryRun)
        await writeFileAtomic(
          publishStatePath(options.outputDir, options.destination.id, "manifest.json"),
          text,
          { within: options.outputDir, syncFolder: true },
        );
    }
    const sentFiles = files.filter((f) => f.outcome === "sent");
    const gone = new Set(deleted.filter((d) => d.outcome === "deleted").map((d) => d.key));
    return {
      files,
      sent: sentFiles.length,
      present: files.filter((f) => f.outcome === "present").length,
      failed: failed + deleted.filter((d) => d.outcome === "failed").length,
      bytesSent: sentFiles.reduce((s, f) => s + f.bytes, 0),
      restored: files.filter((f) => f.restored !== undefined).length,
      stale: stale.filter((k) => !gone.has(k)),
      deleted,
      ...(manifest ? { manifest } : {}),
    };
  } finally {
    journal?.close();
  }
}

/** Reads one planned file and sends it unless it is there; undefined for an absent optional file. */
async function settle(sender: Sender, item: PublishItem): Promise<PublishedFile | undefined> {
  let bytes: Buffer;
  const path = join(sender.options.outputDir, item.path);
  try {
    // Never through a link: one in the output folder would publish a file from outside it.
    const read = await readBytes(path, { within: sender.options.outputDir });
    if (read === undefined) {
      if (item.optional) return undefined;
      throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    }
    bytes = read;
  } catch (error) {
    return { key: item.path, outcome: "failed", bytes: 0, message: (error as Error).message };
  }
  const hash = sha256(bytes);
  if (item.sha256 !== undefined && hash !== item.sha256)
    return {
      key: item.path,
      outcome: "failed",
      bytes: bytes.length,
      message: "changed on disk since the run (its hash differs from the report's); run again",
    };
  return send(sender, item.path, bytes, hash, item);
}

/**
 * Sends one file unless these bytes are known to be there: by the journal, or (with `check`,
 * or when the journal does not know) by a HEAD at the destination.
 */
async function send(
  sender: Sender,
  key: string,
  bytes: Buffer,
  hash: string,
  meta: { readonly contentType: string; readonly cacheControl: string },
): Promise<PublishedFile> {
  const { options, journal, known, now } = sender;
  const base = { key, bytes: bytes.length, sha256: hash };
  try {
    const journaled = known.get(key) === hash;
    if (journaled && !options.check) return { ...base, outcome: "present" };
    const existing = await options.destination.head(key);
    if (existing?.sha256 === hash && (existing.bytes === undefined || existing.bytes === bytes.length)) {
      if (!journaled) journal?.record(key, hash, "present", now());
      return { ...base, outcome: "present" };
    }
    const restored = journaled ? { restored: existing ? ("different" as const) : ("missing" as const) } : {};
    if (options.dryRun) return { ...base, ...restored, outcome: "would send" };
    await options.destination.put(key, bytes, { sha256: hash, ...meta });
    journal?.record(key, hash, "sent", now());
    return { ...base, ...restored, outcome: "sent" };
  } catch (error) {
    return { ...base, outcome: "failed", message: oneLine(error) };
  }
}

/** Removes the stale files, each forgotten by the journal once gone. */
async function removeStale(
  sender: Sender,
  stale: readonly string[],
  limit: ReturnType<typeof pLimit>,
): Promise<PublishedFile[]> {
  const { options, journal, now } = sender;
  return Promise.all(
    stale.map((key) =>
      limit(async (): Promise<PublishedFile> => {
        if (options.dryRun) return { key, outcome: "would delete", bytes: 0 };
        try {
          await options.destination.delete(key);
          journal?.forget(key, now());
          const file: PublishedFile = { key, outcome: "deleted", bytes: 0 };
          options.onFile?.(file);
          return file;
        } catch (error) {
          const file: PublishedFile = { key, outcome: "failed", bytes: 0, message: oneLine(error) };
          options.onFile?.(file);
          return file;
        }
      }),
    ),
  );
}

function oneLine(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${(e.message ?? String(error)).split("\n")[0]}${status ? ` (HTTP ${status})` : ""}`;
}

/** The manifest: what is published, by key, with hashes; no time in it, so an unchanged publish leaves it as it is. */
function manifestText(options: PublishOptions, files: readonly PublishedFile[]): string {
  const byKey = new Map(options.items.map((i) => [i.path, i]));
  const entries = files
    .map((f) => {
      const item = byKey.get(f.key);
      return {
        key: f.key,
        kind: item?.kind,
        job: item?.job,
        n: item?.n,
        sha256: f.sha256,
        bytes: f.bytes,
        content_type: item?.contentType,
      };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return `${JSON.stringify({ schema_version: 1, pipeline: options.pipeline, files: entries }, null, 2)}\n`;
}
