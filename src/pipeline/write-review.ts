import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import pLimit from "p-limit";
import { writeFileAtomic } from "../files/index.js";
import type { Logger } from "../log/logger.js";
import { contactSheet, galleryThumbPath, makeGalleryThumbs } from "../outputs/index.js";
import { contactTiles } from "../report/contact-tiles.js";
import { galleryFiles } from "../report/gallery.js";
import type { StreamedReport } from "../report/index.js";
import type { ReviewInputs } from "../review/index.js";
import { writeGalleryData } from "./write-gallery-data.js";

/** What `writeReview` made, and a warning for each part it could not make. */
export interface ReviewResult {
  readonly gallery?: string;
  readonly contactSheet?: string;
  /** One line per part that failed, naming it: `could not write the gallery: …`. */
  readonly warnings: readonly string[];
}

function* outputsOf(report: StreamedReport) {
  for (const j of report.jobs) yield* j.outputs;
}

/** The local input images, as `makeGalleryThumbs` takes them (paths relative to the folder). */
function* inputFiles(outputDir: string, inputs: ReviewInputs) {
  for (const [sha256, path] of inputs.files) yield { sha256, path: relative(outputDir, path) };
}

/**
 * Writes what a person looks at after a run: the gallery (`index.html`, its pages and
 * thumbnails under `.gallery/`, the jobs' input images beside their results when `inputs`
 * names them) and the contact sheet (`contact-sheet.png`). Each is made on its own: one that
 * fails is a warning (logged, and returned) naming it, and the other is still made; the
 * images and the report, which were paid for, are never at stake.
 */
export async function writeReview(
  outputDir: string,
  report: StreamedReport,
  logger?: Logger,
  inputs?: ReviewInputs,
): Promise<ReviewResult> {
  const cpu = pLimit(availableParallelism());
  const warnings: string[] = [];
  const warn = (what: string, error: unknown) => {
    const line = `could not write the ${what}: ${(error as Error).message}`;
    warnings.push(line);
    logger?.warn({ cause: (error as Error).message }, `could not write the ${what}`);
  };
  let thumbsMade = false;
  try {
    await makeGalleryThumbs(outputDir, outputsOf(report), (fn) => cpu(fn));
    thumbsMade = true;
  } catch (error) {
    warn("gallery thumbnails", error);
  }
  let inputThumbs = false;
  if (inputs && inputs.files.size > 0)
    try {
      await makeGalleryThumbs(outputDir, inputFiles(outputDir, inputs), (fn) => cpu(fn));
      inputThumbs = true;
    } catch (error) {
      warn("gallery thumbnails of the inputs", error);
    }
  const inputsOf = (key: string) =>
    (inputs?.byKey.get(key) ?? []).flatMap((i) =>
      i.url !== undefined
        ? [{ thumb: i.url, source: i.source }]
        : inputThumbs
          ? [{ thumb: galleryThumbPath(i.sha256), source: i.source }]
          : [],
    );
  let gallery: string | undefined = join(outputDir, "index.html");
  try {
    const files = galleryFiles(
      report,
      (o) => (thumbsMade ? galleryThumbPath(o.sha256) : undefined),
      inputsOf,
    );
    await writeGalleryData(outputDir, files);
    await writeFileAtomic(gallery, files.html, { within: outputDir });
  } catch (error) {
    gallery = undefined;
    warn("gallery", error);
  }
  let sheetPath: string | undefined = join(outputDir, "contact-sheet.png");
  try {
    const { title, tiles } = contactTiles(report);
    const sheet = await contactSheet(
      outputDir,
      title,
      tiles.map((t) =>
        t.sha256 === undefined
          ? { label: t.label, failed: true }
          : {
              label: t.kind === "up to date" ? `${t.label} (up to date)` : t.label,
              path: galleryThumbPath(t.sha256),
            },
      ),
    );
    await writeFileAtomic(sheetPath, sheet, { within: outputDir });
  } catch (error) {
    sheetPath = undefined;
    warn("contact sheet", error);
  }
  return {
    ...(gallery === undefined ? {} : { gallery }),
    ...(sheetPath === undefined ? {} : { contactSheet: sheetPath }),
    warnings,
  };
}
