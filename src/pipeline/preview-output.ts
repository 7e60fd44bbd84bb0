import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { KeyState } from "../journal/key-state.js";
import { replayJournalFile } from "../journal/replay-journal.js";
import { resultImageCount } from "../model/image-record.js";
import { type PreviewKind, previewKind } from "../model/job-phase.js";
import type { Job, Plan } from "../plan/index.js";
import { indexDecisions, readDecisions } from "../review/index.js";
import { heldAtFal } from "../run/budget.js";
import { deliveryFor } from "../run/delivery.js";
import { decideStart, journalPhase, type ResumeOptions, retriedByRetryFailed } from "../run/job-resume.js";
import { SourceMismatches } from "../run/source-check.js";
import { extOf } from "../run/verify-images.js";
import { hasApproval, reviewVerdict } from "./honour-review.js";

/** The jobs of a plan by what a run into `outputDir` would do with them. */
export interface OutputPreview {
  readonly outputDir: string;
  /** Where results would come from (`FalAccess.source`). */
  readonly source: string;
  readonly jobs: Readonly<Record<PreviewKind, readonly Job[]>>;
  /**
   * The up-to-date jobs with an image rejected in review: a run makes them again with new
   * seeds (they are in `to-run` too: each is a new, paid request).
   */
  readonly regenerate: readonly Job[];
  /** Jobs holding a request fal may bill (to re-attach to, or in doubt): a budget reserves for them. */
  readonly heldAtFal: readonly Job[];
  /** e.g. "3 jobs were made against the emulator; regenerating for fal". */
  readonly warnings: readonly string[];
}

/** Whether every image of a finished job is at its planned path with its recorded size and settings. */
async function looksIntact(outputDir: string, job: Job, state: KeyState): Promise<boolean> {
  const count = resultImageCount(state.result);
  if (count === 0 || state.request === undefined) return false;
  for (let n = 1; n <= count; n++) {
    // Kept and not rendered yet: rendering it costs nothing at fal.
    if (state.kept?.has(n)) continue;
    const record = state.images.get(n);
    if (!record || record.settings !== job.output.settingsKey) return false;
    const planned = deliveryFor(job, n, state.request, undefined, 0).pathFor(extOf(record, job));
    if (record.path !== planned) return false;
    const size = await stat(join(outputDir, record.path)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== record.bytes) return false;
  }
  return true;
}

/**
 * Tells, without sending or writing anything and without the run lock, how a run into
 * `outputDir` against `source` would start each job: to run (a new request, paid), up to date,
 * resumed (sent before: followed or fetched again at no new charge), failed for good (until
 * `--retry-failed`), or in doubt. Reads the journal and looks at file sizes, not contents (the
 * run itself checks hashes; a file changed in place shows up there, re-made at no charge).
 */
export async function previewOutput(
  plan: Plan,
  outputDir: string,
  source: string,
  options: ResumeOptions = {},
): Promise<OutputPreview> {
  const states = await replayJournalFile(outputDir);
  const sources = new SourceMismatches(source);
  const jobs: Record<PreviewKind, Job[]> = {
    "to-run": [],
    "up-to-date": [],
    resume: [],
    failed: [],
    "in-doubt": [],
  };
  const held: Job[] = [];
  const regenerate: Job[] = [];
  const review = indexDecisions((await readDecisions(outputDir)).values());
  for (const job of plan.jobs) {
    const state = sources.use(states.get(job.key));
    // As the run: an approved image is never made again, not even by --force.
    const jobOptions = options.force && hasApproval(review, job) ? { ...options, force: false } : options;
    const verified =
      state?.phase === "done" && !jobOptions.force ? await looksIntact(outputDir, job, state) : false;
    const start = decideStart(journalPhase(state, verified), jobOptions);
    if (options.retryFailed && !retriedByRetryFailed(state?.phase)) continue;
    if (start.kind === "up-to-date" && reviewVerdict(review, job, start.images) === "regenerate") {
      jobs["to-run"].push(job);
      regenerate.push(job);
      continue;
    }
    jobs[previewKind(start)].push(job);
    if (heldAtFal(start)) held.push(job);
  }
  return { outputDir, source, jobs, regenerate, heldAtFal: held, warnings: sources.warnings() };
}
