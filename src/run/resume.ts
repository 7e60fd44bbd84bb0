import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { KeyState } from "../journal/key-state.js";
import { type ImageRecord, resultImageCount } from "../model/image-record.js";
import { checkFile, deliverFromOriginal, originalFile, refreshSidecar } from "../outputs/index.js";
import type { Job } from "../plan/index.js";
import { deliveryFor, imageRecord } from "./delivery.js";

/** What checking one image's files found. */
interface Intact {
  readonly ok: boolean;
  /** The record with fresh stamps, when a file's metadata changed but its bytes did not. */
  readonly refreshed?: ImageRecord;
  /** Files whose bytes differ from what was written (or that are gone). */
  readonly differs: readonly string[];
}

/**
 * Whether every file of an image record is still what was written, made with these settings.
 * Files whose size, mtime and inode match the record are not read (see `checkFile`).
 */
async function intact(
  outputDir: string,
  record: ImageRecord,
  plannedPath: string,
  settings: string,
  verify: boolean,
): Promise<Intact> {
  if (record.settings !== settings || record.path !== plannedPath) return { ok: false, differs: [] };
  const differs: string[] = [];
  const main = await checkFile(join(outputDir, record.path), record, verify);
  if (main.state === "changed") differs.push(record.path);
  let refreshed = false;
  const derivatives = [];
  for (const d of record.derivatives) {
    const check = await checkFile(join(outputDir, d.path), d, verify);
    if (check.state === "changed") differs.push(d.path);
    refreshed ||= check.state === "same-bytes";
    derivatives.push(check.state === "same-bytes" ? { ...d, stamp: check.stamp } : d);
  }
  if (differs.length > 0) return { ok: false, differs };
  if (main.state !== "same-bytes" && !refreshed) return { ok: true, differs };
  return {
    ok: true,
    differs,
    refreshed: { ...record, derivatives, ...(main.state === "same-bytes" ? { stamp: main.stamp } : {}) },
  };
}

/**
 * Checks that every image of a finished job is on disk with its recorded hashes, at the paths
 * and with the output settings the manifest now gives. An image whose files are missing,
 * changed, moved, or made with other settings is made again from fal's original kept under
 * `.state/originals/` (no call to fal). Files are read only when their size, mtime or inode
 * changed, or with `verify` (then every file is hashed); `differs` names the files whose bytes
 * were not what was written. New records (remade, or with fresh stamps) are in `remade`, for
 * the journal. Returns undefined when an original is gone too (the job must fetch the result
 * again).
 */
export async function verifyImages(
  outputDir: string,
  job: Job,
  state: KeyState,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
  verify = false,
): Promise<{ records: ImageRecord[]; remade: ImageRecord[]; differs: string[] } | undefined> {
  const count = resultImageCount(state.result);
  if (count === 0 || state.images.size < count || state.request === undefined) return undefined;
  const seed = (state.result as { seed?: unknown }).seed;
  const records: ImageRecord[] = [];
  const remade: ImageRecord[] = [];
  const differs: string[] = [];
  for (let n = 1; n <= count; n++) {
    const record = state.images.get(n);
    if (!record?.original) return undefined;
    const delivery = deliveryFor(
      job,
      n,
      state.request,
      typeof seed === "number" ? seed : undefined,
      Date.now(),
    );
    const planned = delivery.pathFor(extOf(record, job));
    const check = await intact(outputDir, record, planned, job.output.settingsKey, verify);
    differs.push(...check.differs);
    if (check.ok) {
      // The image is paid for and unchanged; what its sidecar says may not be (a row's price).
      await refreshSidecar(outputDir, delivery, check.refreshed ?? record);
      records.push(check.refreshed ?? record);
      if (check.refreshed) remade.push(check.refreshed);
      continue;
    }
    let original: Buffer;
    try {
      original = await readFile(originalFile(outputDir, record.original));
    } catch {
      return undefined;
    }
    if (createHash("sha256").update(original).digest("hex") !== record.original.sha256) return undefined;
    const saved = await deliverFromOriginal(
      outputDir,
      original,
      record.original,
      record.sourceUrl,
      delivery,
      cpu,
    );
    const again = imageRecord(n, saved, job);
    records.push(again);
    remade.push(again);
  }
  return { records, remade, differs };
}

/** The extension the main output has with the job's settings. */
export function extOf(record: ImageRecord, job: Job): string {
  const format = job.output.main.format;
  if (format === "original") return record.original.ext;
  return format === "jpeg" ? "jpg" : format;
}
