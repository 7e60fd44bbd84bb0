import { access } from "node:fs/promises";
import { join } from "node:path";
import type { KeyState } from "../journal/key-state.js";
import { type ImageRecord, resultImageCount } from "../model/image-record.js";
import type { PendingRender } from "../model/kept-image.js";
import { checkFile, originalFile, recipeOf, refreshSidecar } from "../outputs/index.js";
import type { Job } from "../plan/index.js";
import { deliveryFor } from "./delivery.js";

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

/** What checking a finished job's images found. */
interface CheckedImages {
  /** Images on disk as recorded (with fresh stamps where only their metadata changed). */
  readonly records: ImageRecord[];
  /** Records with fresh stamps, for the journal. */
  readonly remade: ImageRecord[];
  /** Files whose bytes were not what was written (or that are gone). */
  readonly differs: string[];
  /** Images to render from their kept originals, with the recipe the manifest now gives. */
  readonly pending: PendingRender[];
  /** Those of `pending` the journal does not hold as kept with that recipe (to journal). */
  readonly newlyKept: PendingRender[];
}

/**
 * Checks that every image of a finished job is on disk with its recorded hashes, at the paths
 * and with the output settings the manifest now gives. An image kept and not rendered yet, or
 * whose files are missing, changed, moved, or made with other settings, is to be rendered again
 * from fal's original kept under `.state/originals/` (no call to fal): it is in `pending`. Files
 * are read only when their size, mtime or inode changed, or with `verify` (then every file is
 * hashed). Returns undefined when an original is gone too (the job must fetch the result again).
 */
export async function verifyImages(
  outputDir: string,
  job: Job,
  state: KeyState,
  verify = false,
): Promise<CheckedImages | undefined> {
  const count = resultImageCount(state.result);
  if (count === 0 || state.request === undefined) return undefined;
  const seed = (state.result as { seed?: unknown }).seed;
  const checked: CheckedImages = { records: [], remade: [], differs: [], pending: [], newlyKept: [] };
  for (let n = 1; n <= count; n++) {
    const kept = state.kept?.get(n);
    const record = state.images.get(n);
    const source = kept ?? record;
    if (!source?.original) return undefined;
    const delivery = deliveryFor(
      job,
      n,
      state.request,
      typeof seed === "number" ? seed : undefined,
      Date.now(),
    );
    if (!kept && record) {
      const planned = delivery.pathFor(extOf(record, job));
      const check = await intact(outputDir, record, planned, job.output.settingsKey, verify);
      checked.differs.push(...check.differs);
      if (check.ok) {
        // The image is paid for and unchanged; what its sidecar says may not be (a row's price).
        await refreshSidecar(outputDir, delivery, check.refreshed ?? record);
        checked.records.push(check.refreshed ?? record);
        if (check.refreshed) checked.remade.push(check.refreshed);
        continue;
      }
    }
    const here = await access(originalFile(outputDir, source.original)).then(
      () => true,
      () => false,
    );
    if (!here) return undefined;
    const recipe = recipeOf(delivery, job.id, job.output.settingsKey, source.original.ext);
    const pending: PendingRender = {
      n,
      recipe,
      sourceUrl: source.sourceUrl,
      original: source.original,
      width: kept?.width ?? source.width,
      height: kept?.height ?? source.height,
      contentType: kept?.contentType ?? source.contentType,
    };
    checked.pending.push(pending);
    if (kept?.recipe.settings !== recipe.settings || kept.recipe.main.path !== recipe.main.path)
      checked.newlyKept.push(pending);
  }
  return checked;
}

/** The extension the main output has with the job's settings. */
export function extOf(record: ImageRecord, job: Job): string {
  const format = job.output.main.format;
  if (format === "original") return record.original.ext;
  return format === "jpeg" ? "jpg" : format;
}
