import pLimit from "p-limit";
import type { Journal } from "../journal/journal.js";
import type { replay } from "../journal/key-state.js";
import type { Logger } from "../log/logger.js";
import { type JobPhase, startLabel } from "../model/job-phase.js";
import type { PendingRender } from "../model/kept-image.js";
import type { Plan } from "../plan/index.js";
import { decideStart, journalPhase, type ResumeOptions, retriedByRetryFailed } from "../run/job-resume.js";
import { pendingAtFal, SourceMismatches, stateForSource } from "../run/source-check.js";
import { verifyImages } from "../run/verify-images.js";
import { type ReviewPass, withSeedsSent } from "./honour-review.js";

/** How each job starts, from the journal and the files on disk. */
async function startOfEachJob(
  plan: Plan,
  outputDir: string,
  states: ReturnType<typeof replay>,
  options: ResumeOptions,
  journal: Journal,
  sources: SourceMismatches,
  differs: string[],
  review: ReviewPass,
): Promise<Map<string, JobPhase>> {
  const starts = new Map<string, JobPhase>();
  const limit = pLimit(8);
  await Promise.all(
    plan.jobs.map((job) =>
      limit(async () => {
        const held = pendingAtFal(states.get(job.key), sources.source);
        if (held !== undefined) {
          starts.set(job.id, { kind: "not-run", reason: held });
          return;
        }
        const state = sources.use(states.get(job.key));
        // An approved image is never made again, not even by --force.
        const jobOptions = options.force && review.hasApproval(job) ? { ...options, force: false } : options;
        let verified = false;
        let unrendered: PendingRender[] = [];
        // A run killed after keeping every image but before journaling `done` left the job
        // `delivering`: its images are kept (or rendered since, by `render`) all the same, and
        // need no download again (verifyImages says whether every one is).
        const keptAll = state?.phase === "delivering" && (state.kept !== undefined || state.images.size > 0);
        if ((state?.phase === "done" || keptAll) && state && !jobOptions.force) {
          const checked = await verifyImages(outputDir, job, state, options.verify);
          if (checked && keptAll && state.request !== undefined) {
            await journal.append({ type: "done", key: job.key, request: state.request });
            state.phase = "done";
          }
          if (checked) {
            differs.push(...checked.differs);
            verified = true;
            unrendered = checked.pending;
            state.images = new Map(checked.records.map((r) => [r.n, r]));
            const request = state.request ?? "";
            for (const r of checked.remade)
              await journal.append({ type: "image", key: job.key, request, ...r });
            // Journaled kept with the recipe now wanted: a `render` process renders it if this run does not.
            for (const k of checked.newlyKept)
              await journal.append({ type: "kept", key: job.key, request, ...k });
          }
        }
        starts.set(job.id, decideStart(journalPhase(state, verified, unrendered), jobOptions));
      }),
    ),
  );
  return starts;
}

/**
 * The jobs this run takes (with `--retry-failed`, only those that failed) and the phase each
 * starts in, said in the log.
 */
export async function decideStarts(
  fullPlan: Plan,
  outputDir: string,
  states: ReturnType<typeof replay>,
  options: ResumeOptions,
  journal: Journal,
  source: string,
  logger: Logger,
  review: ReviewPass,
): Promise<{ plan: Plan; starts: Map<string, JobPhase>; differs: string[] }> {
  const plan = options.retryFailed
    ? {
        ...fullPlan,
        jobs: fullPlan.jobs.filter((j) =>
          retriedByRetryFailed(stateForSource(states.get(j.key), source)?.phase),
        ),
      }
    : fullPlan;
  const sources = new SourceMismatches(source);
  const differs: string[] = [];
  const seeded = withSeedsSent(plan, (key) => stateForSource(states.get(key), source)?.seed);
  const found = await startOfEachJob(seeded, outputDir, states, options, journal, sources, differs, review);
  const { plan: runPlan, starts } = await review.regenerate(seeded, found);
  for (const path of differs.slice(0, 100))
    logger.warn({ path }, "an output is not what was written; it is made again");
  if (differs.length > 0)
    logger.warn({ files: differs.length, verify: options.verify === true }, "outputs not as written");
  for (const warning of sources.warnings()) logger.warn({ target: source }, warning);
  const counts: Record<string, number> = {};
  for (const s of starts.values()) counts[startLabel(s)] = (counts[startLabel(s)] ?? 0) + 1;
  logger.info({ ...counts }, "resume: how the jobs start");
  return { plan: runPlan, starts, differs };
}
