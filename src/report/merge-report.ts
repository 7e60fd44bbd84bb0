import { type ReportJob, reiterable, type StreamedReport } from "./types.js";

/** The totals' counts over `jobs` (cost and estimate are not counts: a run's own). Pure. */
export function countJobs(jobs: Iterable<ReportJob>) {
  const c = {
    jobs: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    canceled: 0,
    unfinished: 0,
    not_run: 0,
    images: 0,
    bytes: 0,
  };
  let unrendered = 0;
  for (const j of jobs) {
    c.jobs += 1;
    c[j.status] += 1;
    c.images += j.outputs.length;
    unrendered += j.unrendered ?? 0;
    for (const o of j.outputs) c.bytes += o.bytes;
  }
  return unrendered > 0 ? Object.assign(c, { unrendered_images: unrendered }) : c;
}

/**
 * A run that took only some of the manifest's jobs (`--only`, `--limit`, `--retry-failed`) does
 * not forget the others: each job this run did not select keeps what the previous report said
 * of it, when that was about the same job (same id and key). Counts are recounted over every
 * job; the cost stays what this run spent. Pure; its jobs are made as they are read.
 */
export function mergeUnselected(
  report: StreamedReport,
  selected: ReadonlySet<string>,
  previous: ReadonlyMap<string, ReportJob>,
): StreamedReport {
  const jobs = reiterable(function* () {
    for (const job of report.jobs) {
      if (selected.has(job.id)) yield job;
      else {
        const before = previous.get(job.id);
        yield before !== undefined && before.key === job.key ? before : job;
      }
    }
  });
  return { ...report, totals: { ...report.totals, ...countJobs(jobs) }, jobs };
}
