import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { writeFileSafely } from "../outputs/index.js";
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
  /** List what would be sent; send nothing, write nothing. */
  readonly dryRun?: boolean;
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
  readonly outcome: "sent" | "present" | "would send" | "failed";
  readonly bytes: number;
  readonly sha256?: string;
  readonly message?: string;
}

/** What a publish did. */
export interface PublishResult {
  readonly files: readonly PublishedFile[];
  readonly sent: number;
  readonly present: number;
  readonly failed: number;
  readonly bytesSent: number;
  /** The manifest's outcome (absent when a failure kept it from being written). */
  readonly manifest?: PublishedFile;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * Copies the planned files to the destination, idempotently: a file the journal or the
 * destination already holds with the same sha256 is not sent again, every file confirmed is
 * journaled (so a killed publish resumes), at most `concurrency` at once. Then writes the
 * publish manifest (what is published, with hashes), by the same rule, when nothing failed.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  // Long because it is the publish's sequence (journal, destination, send, manifest); each step is a call.
  const now = options.now ?? Date.now;
  const journal = options.dryRun
    ? undefined
    : await PublishJournal.open(publishStatePath(options.outputDir, options.destination.id));
  const limit = pLimit(options.concurrency ?? 8);
  try {
    const settle = async (item: PublishItem): Promise<PublishedFile | undefined> => {
      let bytes: Buffer;
      try {
        bytes = await readFile(join(options.outputDir, item.path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" && item.optional) return undefined;
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
      return send(options, journal, item.path, bytes, hash, item, now);
    };
    const settled = await Promise.all(
      options.items.map((item) =>
        limit(async () => {
          const file = await settle(item);
          if (file) options.onFile?.(file);
          return file;
        }),
      ),
    );
    const files = settled.filter((f): f is PublishedFile => f !== undefined);
    const failed = files.filter((f) => f.outcome === "failed").length;
    let manifest: PublishedFile | undefined;
    if (failed === 0) {
      const text = manifestText(options, files);
      manifest = await send(
        options,
        journal,
        MANIFEST_KEY,
        Buffer.from(text),
        sha256(Buffer.from(text)),
        {
          contentType: "application/json",
          cacheControl: DEFAULT_DATA_CACHE,
        },
        now,
      );
      if (!options.dryRun)
        await writeFileSafely(
          publishStatePath(options.outputDir, options.destination.id, "manifest.json"),
          text,
        );
    }
    const sentFiles = files.filter((f) => f.outcome === "sent");
    return {
      files,
      sent: sentFiles.length,
      present: files.filter((f) => f.outcome === "present").length,
      failed,
      bytesSent: sentFiles.reduce((s, f) => s + f.bytes, 0),
      ...(manifest ? { manifest } : {}),
    };
  } finally {
    journal?.close();
  }
}

/** Sends one file unless the journal or the destination already holds these bytes. */
async function send(
  options: PublishOptions,
  journal: PublishJournal | undefined,
  key: string,
  bytes: Buffer,
  hash: string,
  meta: { readonly contentType: string; readonly cacheControl: string },
  now: () => number,
): Promise<PublishedFile> {
  const base = { key, bytes: bytes.length, sha256: hash };
  try {
    if (journal?.has(key, hash)) return { ...base, outcome: "present" };
    const existing = await options.destination.head(key);
    if (existing?.sha256 === hash) {
      journal?.record(key, hash, "present", now());
      return { ...base, outcome: "present" };
    }
    if (options.dryRun) return { ...base, outcome: "would send" };
    await options.destination.put(key, bytes, { sha256: hash, ...meta });
    journal?.record(key, hash, "sent", now());
    return { ...base, outcome: "sent" };
  } catch (error) {
    return { ...base, outcome: "failed", message: oneLine(error) };
  }
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
