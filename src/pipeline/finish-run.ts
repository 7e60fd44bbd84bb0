import { join } from "node:path";
import type { Traffic } from "../fal/index.js";
import { lockReport } from "../journal/lock.js";
import type { RunSpend } from "../journal/open-journal.js";
import type { Logger } from "../log/logger.js";
import type { JobOutcome, Outcomes } from "../model/job-outcome.js";
import { readReportJobs, writeRunReports } from "../outputs/index.js";
import type { Plan } from "../plan/index.js";
import { buildReport, type ReportJob, type RunFacts, type StreamedReport } from "../report/index.js";
import { mergeUnselected } from "../report/merge-report.js";
import type { RunEnd } from "../run/run-stop.js";
import type { ConcurrencySummary } from "../run/scheduler.js";
import type { Orphan } from "./orphans.js";

/** What the end of a run knows. */
export interface FinishedRun {
  readonly plan: Plan;
  /** Each job's outcome by job id (see `OutcomeSpool`). */
  readonly outcomes: Outcomes;
  readonly runId: string;
  readonly manifestPath: string;
  readonly outputDir: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly falTarget: string;
  readonly concurrency: ConcurrencySummary;
  readonly end: RunEnd;
  readonly traffic: Traffic;
  readonly history: RunFacts["history"];
  /** Requests fal accepted, by this run and by every run of the folder (from the journal). */
  readonly spend?: RunSpend;
  readonly logger: Logger;
  /**
   * Every job of the manifest, when the run took only some (`--only`, `--limit`,
   * `--retry-failed`): the report keeps the others as the previous report had them.
   */
  readonly allJobs?: Plan["jobs"];
  /** Outputs of jobs no longer in the manifest, for the report. */
  readonly orphans?: readonly Orphan[];
  /** Run records kept in `runs/` (the oldest beyond are removed). */
  readonly keepRuns: number;
  /** Adds to the report before it is written. */
  readonly decorate?: (report: StreamedReport) => Promise<StreamedReport>;
}

/**
 * Builds the run's report and writes it (`report.json` and `runs/<run-id>.json`), and says so.
 * The report returned makes its jobs as they are read (see `buildReport`), without their status
 * history (`report.json` has it).
 */
export async function writeRunReport(run: FinishedRun): Promise<StreamedReport> {
  const partial = run.allJobs !== undefined && run.allJobs.length !== run.plan.jobs.length;
  let withHistory = true;
  const history = { get: (key: string) => (withHistory ? run.history.get(key) : undefined) };
  const built = buildReport(partial ? { ...run.plan, jobs: run.allJobs ?? [] } : run.plan, notSelected(run), {
    runId: run.runId,
    manifestPath: run.manifestPath,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    falTarget: run.falTarget,
    concurrency: run.concurrency,
    endedBy: run.end,
    calls: Object.fromEntries(run.traffic.counts),
    rateLimited: run.traffic.rateLimited,
    history,
    ...(run.spend === undefined ? {} : { spend: run.spend }),
  });
  const merged = partial ? await withUnselected(run, built) : built;
  const whole = run.orphans && run.orphans.length > 0 ? { ...merged, orphans: run.orphans } : merged;
  const report = run.decorate ? await run.decorate(whole) : whole;
  // Under the report's lock: a `render` process bringing report.json up to date never writes
  // an older report over this one (see `reportRenders`).
  const release = await lockReport(run.outputDir, (error) =>
    run.logger.error({ cause: error.message }, "the report's lock was lost"),
  );
  try {
    await writeRunReports(run.outputDir, report, run.keepRuns);
  } finally {
    await release();
  }
  // The passes after (gallery, contact sheet, summary) read the jobs without their status
  // history, which report.json has: made anew on every pass, it was most of their cost.
  withHistory = false;
  const path = join(run.outputDir, "report.json");
  run.logger.info({ runId: run.runId, endedBy: run.end, ...report.totals, report: path }, "run finished");
  return report;
}

const NOT_SELECTED = "not selected by this run (--only, --limit or --retry-failed), and no earlier result";

/** This run's outcomes, and `not_run` for each job of the manifest it did not select. */
function notSelected(run: FinishedRun): Outcomes {
  if (run.allJobs === undefined) return run.outcomes;
  const none: JobOutcome = { status: "not_run", reason: NOT_SELECTED };
  // The report's jobs are the manifest's (`allJobs`): one this run has no outcome of, it did not select.
  return { get: (id) => run.outcomes.get(id) ?? none };
}

/** The report with every job this run did not select as the previous report had it. */
async function withUnselected(run: FinishedRun, built: StreamedReport): Promise<StreamedReport> {
  const selected = new Set(run.plan.jobs.map((j) => j.id));
  const previous = new Map<string, ReportJob>();
  for await (const job of readReportJobs(join(run.outputDir, "report.json")))
    if (!selected.has(job.id)) previous.set(job.id, job);
  return mergeUnselected(built, selected, previous);
}
