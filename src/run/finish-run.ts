import { join } from "node:path";
import type { Traffic } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import { writeFileSafely } from "../outputs/index.js";
import type { Plan } from "../plan/index.js";
import { buildReport, type Report } from "../report/index.js";
import type { JobOutcome } from "./job-outcome.js";
import type { RunEnd } from "./run-stop.js";
import type { ConcurrencySummary } from "./scheduler.js";
import { writeReview } from "./write-review.js";

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
}

/** Builds the run's report and writes it (`report.json` and `runs/<run-id>.json`). */
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
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const path = join(run.outputDir, "report.json");
  await writeFileSafely(join(run.outputDir, "runs", `${run.runId}.json`), json);
  await writeFileSafely(path, json);
  run.logger.info({ runId: run.runId, endedBy: run.end, ...report.totals, report: path }, "run finished");
  return report;
}

/**
 * Writes the gallery and the contact sheet. The images and the report are what was paid for:
 * a review page that fails is only logged.
 */
export async function writeReviewFiles(outputDir: string, report: Report, logger: Logger): Promise<void> {
  try {
    await writeReview(outputDir, report);
  } catch (error) {
    logger.error({ cause: (error as Error).message }, "could not write the gallery");
  }
}
