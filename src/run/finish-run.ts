import { join } from "node:path";
import type { Traffic } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import { writeRunReports } from "../outputs/index.js";
import type { Plan } from "../plan/index.js";
import { buildReport, type Report } from "../report/index.js";
import type { JobOutcome } from "./job-outcome.js";
import type { RunEnd } from "./run-stop.js";
import type { ConcurrencySummary } from "./scheduler.js";

/** What the end of a run knows. */
export interface FinishedRun {
  readonly plan: Plan;
  readonly outcomes: ReadonlyMap<string, JobOutcome>;
  readonly runId: string;
  readonly manifestPath: string;
  readonly outputDir: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly falTarget: string;
  readonly concurrency: ConcurrencySummary;
  readonly end: RunEnd;
  readonly traffic: Traffic;
  readonly history: ReadonlyMap<string, ReadonlyArray<{ at: number; phase: string; request?: string }>>;
  readonly logger: Logger;
  /** Run records kept in `runs/` (the oldest beyond are removed). @default 30 */
  readonly keepRuns: number | undefined;
}

/** Builds the run's report and writes it (`report.json` and `runs/<run-id>.json`), and says so. */
export async function writeRunReport(run: FinishedRun): Promise<Report> {
  const report = buildReport(run.plan, run.outcomes, {
    runId: run.runId,
    manifestPath: run.manifestPath,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    falTarget: run.falTarget,
    concurrency: run.concurrency,
    endedBy: run.end,
    calls: Object.fromEntries(run.traffic.counts),
    rateLimited: run.traffic.rateLimited,
    history: run.history,
  });
  await writeRunReports(run.outputDir, report, run.keepRuns);
  const path = join(run.outputDir, "report.json");
  run.logger.info({ runId: run.runId, endedBy: run.end, ...report.totals, report: path }, "run finished");
  return report;
}
