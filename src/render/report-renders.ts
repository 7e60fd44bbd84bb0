import { join } from "node:path";
import { openFile } from "../files/index.js";
import type { KeyState } from "../journal/key-state.js";
import { lockReport } from "../journal/lock.js";
import type { Logger } from "../log/logger.js";
import { readReportJobs, writeReportFile } from "../outputs/index.js";
import { countJobs, outputEntry, type Report, type ReportJob, reportSchema } from "../report/index.js";
import { readFolderStates } from "./folder-states.js";

type ReportHead = Omit<Report, "jobs">;

/**
 * The report without its jobs, read a line at a time (a report is written one job a line, see
 * `writeReportFile`), checked against the schema. Undefined when there is none, or it is not one.
 */
async function readHead(path: string): Promise<ReportHead | undefined> {
  // Never through a link: one at report.json is a STATE_UNTRUSTED error, not a report.
  const file = await openFile(path, "read");
  if (!file) return undefined;
  const lines = file.readLines({ encoding: "utf8", autoClose: false });
  let text = "";
  try {
    for await (const line of lines) if (!line.startsWith('{"')) text += `${line}\n`;
    const parsed = reportSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as ReportHead) : undefined;
  } catch {
    return undefined;
  } finally {
    lines.close();
    await file.close();
  }
}

/**
 * A job of the report as the folder's state has it now: a job with images paid for and kept but
 * not rendered lists those rendered since among its outputs (each as the report lists an output,
 * its review kept), and counts only what is still left. Other jobs, and jobs whose key has since
 * gone to another request, are as they were. Pure.
 */
export function withRenders(job: ReportJob, state: KeyState | undefined): ReportJob {
  if (!job.unrendered || !state || job.request_id === undefined || state.request !== job.request_id)
    return job;
  const before = new Map(job.outputs.map((o) => [o.path, o]));
  const outputs = [...state.images.values()]
    .filter((image) => !state.kept?.has(image.n))
    .sort((a, b) => a.n - b.n)
    .map((image) => {
      const listed = before.get(image.path);
      return listed?.sha256 === image.sha256 ? listed : outputEntry(image);
    });
  const { unrendered: _, ...rest } = job;
  const left = state.kept?.size ?? 0;
  return { ...rest, outputs, ...(left > 0 ? { unrendered: left } : {}) };
}

/** What `reportRenders` did. */
export interface ReportRendersResult {
  /** Images the report lists as rendered that it listed as kept, not rendered, before. */
  readonly rendered: number;
  /** Images it still says are kept and not rendered. */
  readonly unrendered: number;
}

/**
 * Brings `report.json` up to date with what is rendered: the jobs it said were kept and not
 * rendered list the images rendered since (by this process, another shard or a run). Under the
 * folder's report lock, the report and the folder's state are read and the report written
 * again atomically, so `render` processes ending together each add to what the last wrote.
 * Undefined when there is no report (a run killed before writing one: the next run writes it)
 * or nothing in it waits to be rendered. `whileHeld` runs before the lock is let go (what is
 * made from the report, e.g. the gallery, is then made from this one).
 */
export async function reportRenders(
  folder: string,
  logger: Logger,
  whileHeld?: (report: ReportRendersResult) => Promise<void>,
): Promise<ReportRendersResult | undefined> {
  const path = join(folder, "report.json");
  const release = await lockReport(folder, (error) =>
    logger.error({ cause: error.message }, "the report's lock was lost"),
  );
  try {
    const head = await readHead(path);
    const waiting = head?.totals.unrendered_images ?? 0;
    if (!head || waiting === 0) return undefined;
    const { states } = await readFolderStates(folder);
    const jobs = async function* () {
      for await (const job of readReportJobs(path)) yield withRenders(job, states.get(job.key));
    };
    // Counted in a first pass (the totals come before the jobs in the file), written in a second.
    const counts = await recount(jobs());
    const { unrendered_images: _, ...kept } = head.totals;
    const totals = { ...kept, ...counts } as Report["totals"];
    await writeReportFile(path, { ...head, totals, jobs: [] }, jobs());
    const left = counts.unrendered_images ?? 0;
    const result = { rendered: waiting - left, unrendered: left };
    await whileHeld?.(result);
    return result;
  } finally {
    await release();
  }
}

/** The totals' counts over jobs read one at a time (see `countJobs`). */
async function recount(jobs: AsyncIterable<ReportJob>): Promise<Record<string, number>> {
  const sum: Record<string, number> = { ...countJobs([]) };
  for await (const job of jobs)
    for (const [k, v] of Object.entries(countJobs([job]))) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}
