import { describeSource } from "../fal/index.js";
import type { PreviewKind } from "../model/job-phase.js";
import type { OutputPreview } from "../pipeline/preview-output.js";
import { type Job, roundUsd } from "../plan/index.js";

/** The images and cost of a set of jobs, as ranges (a job may make up to max_images). */
export function costOf(jobs: readonly Job[]) {
  let min = 0;
  let max = 0;
  let cmin = 0;
  let cmax = 0;
  for (const j of jobs) {
    min += j.expectedImages.min;
    max += j.expectedImages.max;
    cmin += j.expectedImages.min * j.pricePerImageUsd;
    cmax += j.expectedImages.max * j.pricePerImageUsd;
  }
  return { images: { min, max }, costUsd: { min: roundUsd(cmin), max: roundUsd(cmax) } };
}

const range = (r: { min: number; max: number }, f: (n: number) => string = String) =>
  r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`;
const usd = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
const jobs = (n: number) => `${n} job${n === 1 ? "" : "s"}`;

const NOTES: Readonly<Record<Exclude<PreviewKind, "to-run" | "up-to-date">, string>> = {
  resume: "sent before: followed or fetched again, no new charge",
  failed: "failed for good: --retry-failed sends them again",
  "in-doubt":
    "a submit cut off before fal answered: looked up in fal's request history first, sent again only once fal could no longer hold it",
};

/** What a run into the output folder would do, for a terminal. `where` is the folder as shown. */
export function formatPreview(p: OutputPreview, where: string): string {
  const toRun = costOf(p.jobs["to-run"]);
  const again = costOf(p.regenerate);
  const lines = [
    `in ${where}/, against ${describeSource(p.source)}:`,
    `  to run      ${jobs(p.jobs["to-run"].length)}, ${range(toRun.images)} images, ${range(toRun.costUsd, usd)}`,
    `  up to date  ${jobs(p.jobs["up-to-date"].length)}`,
  ];
  if (p.regenerate.length > 0)
    lines.splice(
      2,
      0,
      `    of which ${jobs(p.regenerate.length)} rejected in review, made again with new seeds: ${range(again.images)} images, ${range(again.costUsd, usd)}`,
    );
  for (const kind of ["resume", "failed", "in-doubt"] as const) {
    const n = p.jobs[kind].length;
    if (n > 0) lines.push(`  ${kind.replace("-", " ").padEnd(10)}  ${jobs(n)} (${NOTES[kind]})`);
  }
  return `${[...lines, ...p.warnings.map((w) => `warning: ${w}`)].join("\n")}\n`;
}

/** The same, for `plan --json`: counts, the incremental cost, and each kind's job ids. */
export function previewJson(p: OutputPreview, where: string): Record<string, unknown> {
  const toRun = costOf(p.jobs["to-run"]);
  return {
    dir: where,
    against: p.source,
    to_run: { jobs: p.jobs["to-run"].length, images: toRun.images, cost_usd: toRun.costUsd },
    regenerate: {
      jobs: p.regenerate.length,
      images: costOf(p.regenerate).images,
      cost_usd: costOf(p.regenerate).costUsd,
    },
    up_to_date: p.jobs["up-to-date"].length,
    resume: p.jobs.resume.length,
    failed: p.jobs.failed.length,
    in_doubt: p.jobs["in-doubt"].length,
    warnings: p.warnings,
  };
}
