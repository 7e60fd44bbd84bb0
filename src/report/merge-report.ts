import type { Report, ReportJob } from "./types.js";

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
  for (const j of jobs) {
    c.jobs += 1;
    c[j.status] += 1;
    c.images += j.outputs.length;
    for (const o of j.outputs) c.bytes += o.bytes;
  }
  return c;
}

/**
 * A run that took only some of the manifest's jobs (`--only`, `--limit`, `--retry-failed`) does
 * not forget the others: each job this run did not select keeps what the previous report said
 * of it, when that was about the same job (same id and key). Counts are recounted over every
 * job; the cost stays what this run spent. Pure.
 */
export function mergeUnselected(
  report: Report,
  selected: ReadonlySet<string>,
  previous: ReadonlyMap<string, ReportJob>,
): Report {
  const jobs = report.jobs.map((job) => {
    if (selected.has(job.id)) return job;
    const before = previous.get(job.id);
    return before !== undefined && before.key === job.key ? before : job;
  });
  return { ...report, totals: { ...report.totals, ...countJobs(jobs) }, jobs };
}
