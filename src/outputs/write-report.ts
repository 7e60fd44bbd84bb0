import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { openFile, writeFileAtomic } from "../files/index.js";
import type { ReportJob, StreamedReport } from "../report/types.js";

/** Bytes gathered before each write of a streamed file. */
const CHUNK = 1 << 20;

/** The report's text, a megabyte at a time: the run and totals pretty-printed, then a job a line. */
async function* reportText(
  report: StreamedReport,
  jobs: Iterable<ReportJob> | AsyncIterable<ReportJob>,
): AsyncGenerator<string> {
  const { jobs: _all, ...head } = report;
  const headText = JSON.stringify(head, null, 2);
  let buffer = `${headText.slice(0, -2)},\n  "jobs": [`;
  let first = true;
  for await (const job of jobs) {
    buffer += `${first ? "\n" : ",\n"}${JSON.stringify(job)}`;
    first = false;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = "";
    }
  }
  yield `${buffer}${first ? "" : "\n  "}]\n}\n`;
}

/**
 * Writes a report as JSON without holding all of it as one string (so `readReportJobs` can read
 * it back a job at a time). The file appears whole or not at all, never through a link (nor,
 * with `within`, a linked folder on the way): see `writeFileAtomic`.
 */
export async function writeReportFile(
  path: string,
  report: StreamedReport,
  jobs: Iterable<ReportJob> | AsyncIterable<ReportJob> = report.jobs,
  within?: string,
): Promise<void> {
  await writeFileAtomic(path, reportText(report, jobs), {
    syncFolder: true,
    ...(within === undefined ? {} : { within }),
  });
}

/**
 * Reads the jobs of a report written by `writeReportFile`, one at a time (a report of
 * 100,000 jobs is never parsed whole). Yields nothing when the file does not exist.
 */
export async function* readReportJobs(path: string): AsyncGenerator<ReportJob> {
  const file = await openFile(path, "read");
  if (!file) return;
  const lines = file.readLines({ encoding: "utf8", autoClose: false });
  try {
    for await (const line of lines) {
      if (!line.startsWith('{"')) continue;
      yield JSON.parse(line.endsWith(",") ? line.slice(0, -1) : line) as ReportJob;
    }
  } finally {
    lines.close();
    await file.close();
  }
}

/** A job this run acted on (not one that was already up to date or left alone). */
export const touchedByRun = (job: ReportJob): boolean =>
  job.status === "succeeded" ||
  job.status === "failed" ||
  job.status === "unfinished" ||
  job.status === "canceled" ||
  (job.status === "not_run" && job.request_id !== undefined);

/**
 * Writes `report.json` (every job) and `runs/<run-id>.json` (this run's totals and only the jobs
 * it acted on, so a night with nothing to do adds a few kilobytes), then removes the oldest run
 * records beyond `keepRuns`.
 */
export async function writeRunReports(
  outputDir: string,
  report: StreamedReport,
  keepRuns: number,
): Promise<void> {
  const touched = function* () {
    for (const job of report.jobs) if (touchedByRun(job)) yield job;
  };
  await writeReportFile(join(outputDir, "runs", `${report.run.id}.json`), report, touched(), outputDir);
  await writeReportFile(join(outputDir, "report.json"), report, report.jobs, outputDir);
  await pruneRuns(join(outputDir, "runs"), keepRuns);
}

/** Removes the oldest run records (their names start with the run's time) beyond `keep`. */
export async function pruneRuns(runsDir: string, keep: number): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const runs = [...new Set(names.flatMap((n) => /^(.+?)(\.contact\.png|\.json)$/.exec(n)?.[1] ?? []))].sort();
  const old = runs.slice(0, Math.max(0, runs.length - Math.max(1, keep)));
  const removed = names.filter((n) => old.some((id) => n === `${id}.json` || n === `${id}.contact.png`));
  for (const name of removed) await rm(join(runsDir, name), { force: true });
  return removed;
}
