import { existsSync } from "node:fs";
import { relative } from "node:path";
import { silentLogger } from "../log/logger.js";
import { ReviewPass } from "../pipeline/honour-review.js";
import { loadReviewInputs } from "../pipeline/review-inputs.js";
import { writeReview } from "../pipeline/write-review.js";
import type { Report } from "../report/index.js";
import { readReportFile } from "../review/read-report-file.js";
import { EXIT } from "./exit-codes.js";
import { outputFolderOf } from "./output-folder.js";
import type { OutputFolderFlags } from "./output-folder-option.js";
import type { CliIo } from "./streams.js";

/** The run summary in a few lines. */
export function summaryLines(report: Report, where: string): string {
  const t = report.totals;
  const parts = [`${t.succeeded} succeeded`];
  if (t.skipped) parts.push(`${t.skipped} up to date`);
  parts.push(`${t.failed} failed`);
  if (t.unfinished) parts.push(`${t.unfinished} unfinished (the next run resumes them)`);
  if (t.canceled) parts.push(`${t.canceled} canceled`);
  if (t.not_run) parts.push(`${t.not_run} not run`);
  return (
    `${report.pipeline}: run ${report.run.id} (${report.run.ended_by}), ${t.jobs} jobs: ${parts.join(", ")}\n` +
    `${t.images} images${t.unrendered_images ? ` (${t.unrendered_images} more paid and kept, not rendered yet: \`seedream-pipeline render\`)` : ""}, $${t.cost_usd.toFixed(3)} spent, ${(report.run.duration_ms / 1000).toFixed(1)} s\n` +
    `gallery: ${where}/index.html\ncontact sheet: ${where}/contact-sheet.png\nreport: ${where}/report.json\n`
  );
}

/**
 * Makes the gallery and contact sheet again from `<folder>/report.json`, with the review
 * decisions as they stand now (made since the run, in the review app); warnings go to stderr.
 */
export async function rebuildReview(folder: string, io: CliIo): Promise<Report> {
  const report = await readReportFile(folder);
  // The gallery shows the inputs the manifest names; a manifest moved away since only leaves them out.
  const inputs = existsSync(report.manifest) ? await loadReviewInputs(report.manifest) : undefined;
  const decorated = await (await ReviewPass.open(folder, silentLogger())).decorate(report);
  const regenerated = report.review?.regenerated ?? [];
  const review = await writeReview(
    folder,
    { ...decorated, ...(decorated.review ? { review: { ...decorated.review, regenerated } } : {}) },
    undefined,
    inputs,
  );
  if (inputs?.warning) io.stderr.write(`seedream-pipeline: ${inputs.warning}\n`);
  for (const w of review.warnings) io.stderr.write(`seedream-pipeline: ${w}\n`);
  return report;
}

/**
 * `seedream-pipeline report <folder|manifest>`: rebuild the gallery and contact sheet (with the
 * review decisions as they stand now) and print the last run's summary; no fal call.
 */
export async function reportCommand(target: string, flags: OutputFolderFlags, io: CliIo): Promise<number> {
  const folder = await outputFolderOf(target, flags);
  const report = await rebuildReview(folder, io);
  io.stdout.write(summaryLines(report, relative(process.cwd(), folder) || "."));
  return EXIT.ok;
}
