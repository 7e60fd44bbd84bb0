import { availableParallelism } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { contactSheet, galleryThumbPath, makeGalleryThumbs, writeFileSafely } from "../outputs/index.js";
import { galleryHtml } from "../report/gallery.js";
import type { Report } from "../report/index.js";

/**
 * Writes what a person looks at after a run: `index.html` (the gallery), its thumbnails, and a
 * contact sheet (`contact-sheet.png`, and `runs/<run-id>.contact.png`).
 */
export async function writeReview(
  outputDir: string,
  report: Report,
): Promise<{ gallery: string; contactSheet: string }> {
  const cpu = pLimit(availableParallelism());
  const outputs = report.jobs.flatMap((j) => j.outputs);
  await makeGalleryThumbs(outputDir, outputs, (fn) => cpu(fn));
  const thumbs = new Map(outputs.map((o) => [o.path, galleryThumbPath(o.sha256)]));
  const gallery = join(outputDir, "index.html");
  await writeFileSafely(
    gallery,
    galleryHtml(report, (p) => thumbs.get(p)),
  );
  const tiles = report.jobs.map((j) => {
    const first = j.outputs[0];
    return first
      ? { label: j.id, path: galleryThumbPath(first.sha256) }
      : { label: j.id, failed: j.status !== "skipped" };
  });
  const sheet = await contactSheet(outputDir, tiles);
  const sheetPath = join(outputDir, "contact-sheet.png");
  await writeFileSafely(sheetPath, sheet);
  await writeFileSafely(join(outputDir, "runs", `${report.run.id}.contact.png`), sheet);
  return { gallery, contactSheet: sheetPath };
}
