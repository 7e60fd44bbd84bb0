import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { deliverFromOriginal, originalFile, refreshSidecar } from "../outputs/index.js";
import type { Job } from "../plan/index.js";
import { deliveryFor, imageRecord } from "./delivery.js";
import type { KeyState } from "./job-state.js";
import type { ImageRecord } from "./journal.js";

/** How many images a result holds. */
export function resultImageCount(result: unknown): number {
  const images = (result as { images?: unknown } | null)?.images;
  return Array.isArray(images) ? images.length : 0;
}

async function sha256Of(path: string): Promise<string | undefined> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch {
    return undefined;
  }
}

/** Whether every file of an image record is on disk with its hash, made with these settings. */
async function intact(
  outputDir: string,
  record: ImageRecord,
  plannedPath: string,
  settings: string,
): Promise<boolean> {
  if (record.settings !== settings || record.path !== plannedPath) return false;
  if ((await sha256Of(join(outputDir, record.path))) !== record.sha256) return false;
  for (const d of record.derivatives)
    if ((await sha256Of(join(outputDir, d.path))) !== d.sha256) return false;
  return true;
}

/**
 * Checks that every image of a finished job is on disk with its recorded hashes, at the paths
 * and with the output settings the manifest now gives. An image whose files are missing,
 * changed, moved, or made with other settings is made again from fal's original kept under
 * `.state/originals/` (no call to fal); its new record is in `remade`, for the journal. Returns
 * undefined when an original is gone too (the job must fetch the result again).
 */
export async function verifyImages(
  outputDir: string,
  job: Job,
  state: KeyState,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<{ records: ImageRecord[]; remade: ImageRecord[] } | undefined> {
  const count = resultImageCount(state.result);
  if (count === 0 || state.images.size < count || state.request === undefined) return undefined;
  const seed = (state.result as { seed?: unknown }).seed;
  const records: ImageRecord[] = [];
  const remade: ImageRecord[] = [];
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
    if (await intact(outputDir, record, planned, job.output.settingsKey)) {
      // The image is paid for and unchanged; what its sidecar says may not be (a row's price).
      await refreshSidecar(outputDir, delivery, record);
      records.push(record);
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
  return { records, remade };
}

/** The extension the main output has with the job's settings. */
function extOf(record: ImageRecord, job: Job): string {
  const format = job.output.main.format;
  if (format === "original") return record.original.ext;
  return format === "jpeg" ? "jpg" : format;
}
