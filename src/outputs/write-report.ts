import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { ReportJob, StreamedReport } from "../report/types.js";

/** Bytes gathered before each write of a streamed file. */
const CHUNK = 1 << 20;

/**
 * Writes a report as JSON without holding all of it as one string: the run and totals
 * pretty-printed, then one job a line (so `readReportJobs` can read it back a job at a time).
 * The file appears whole or not at all: written to a temporary name, fsynced, renamed.
 */
export async function writeReportFile(
  path: string,
  report: StreamedReport,
  jobs: Iterable<ReportJob> | AsyncIterable<ReportJob> = report.jobs,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // The temporary name ends in digits, as write-file-atomic's do, so cleanTempFiles finds it.
  const tmp = `${path}.${process.pid}${Math.floor(Math.random() * 1e9)}`;
  const file = await open(tmp, "w");
  try {
    const { jobs: _all, ...head } = report;
    const headText = JSON.stringify(head, null, 2);
    let buffer = `${headText.slice(0, -2)},\n  "jobs": [`;
    let first = true;
    for await (const job of jobs) {
      buffer += `${first ? "\n" : ",\n"}${JSON.stringify(job)}`;
      first = false;
      if (buffer.length >= CHUNK) {
        await file.write(buffer);
        buffer = "";
      }
    }
    await file.write(`${buffer}${first ? "" : "\n  "}]\n}\n`);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  await rename(tmp, path);
}

/**
 * Reads the jobs of a report written by `writeReportFile`, one at a time (a report of
 * 100,000 jobs is never parsed whole). Yields nothing when the file does not exist.
 */
export async function* readReportJobs(path: string): AsyncGenerator<ReportJob> {
  const stream = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (!line.startsWith('{"')) continue;
      yield JSON.parse(line.endsWith(",") ? line.slice(0, -1) : line) as ReportJob;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  } finally {
    lines.close();
    stream.destroy();
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
  await writeReportFile(join(outputDir, "runs", `${report.run.id}.json`), report, touched());
  await writeReportFile(join(outputDir, "report.json"), report);
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
