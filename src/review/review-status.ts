import { type Decision, imageId } from "./decisions.js";

/** Where one image stands in review. */
export interface ImageReview {
  readonly state: "approved" | "rejected" | "pending";
  /** The decision it stands on (absent when never decided). */
  readonly decision?: Decision;
  /**
   * Why an earlier decision no longer holds: the job's row, prompt or inputs changed (another
   * key, same job id), or the file changed since it was decided (e.g. `--force`), or it was
   * regenerated after a rejection.
   */
  readonly lapsed?: "inputs changed" | "image changed" | "regenerated";
}

/** Decisions indexed for lookups by image and by job id. */
export interface DecisionIndex {
  readonly byImage: ReadonlyMap<string, Decision>;
  /** The latest decision under each job id and image number, whatever the key. */
  readonly byJob: ReadonlyMap<string, Decision>;
}

/** Indexes the latest decisions (in the order they were made). Pure. */
export function indexDecisions(latest: Iterable<Decision>): DecisionIndex {
  const byImage = new Map<string, Decision>();
  const byJob = new Map<string, Decision>();
  for (const d of latest) {
    byImage.set(imageId(d.key, d.n), d);
    byJob.set(`${d.job}\u0000${d.n}`, d);
  }
  return { byImage, byJob };
}

/**
 * Where image `n` of a job stands: its own decision when it was made on these bytes; pending
 * when there is none, when the decision was made on other bytes, or when the only decision is
 * under the job's earlier key (its row, prompt or inputs changed: the decision lapsed). Pure.
 */
export function reviewOf(
  index: DecisionIndex,
  job: { readonly id: string; readonly key: string },
  n: number,
  sha256: string,
): ImageReview {
  const own = index.byImage.get(imageId(job.key, n));
  if (own) {
    if (own.state === "pending")
      return own.by === "run"
        ? { state: "pending", decision: own, lapsed: "regenerated" }
        : { state: "pending" };
    if (own.sha256 !== undefined && own.sha256 !== sha256)
      // A rejected image that was made again is simply new; an approval of other bytes lapses.
      return own.state === "rejected"
        ? { state: "pending", decision: own, lapsed: "regenerated" }
        : { state: "pending", decision: own, lapsed: "image changed" };
    return { state: own.state, decision: own };
  }
  const earlier = index.byJob.get(`${job.id}\u0000${n}`);
  if (earlier && earlier.key !== job.key && earlier.state !== "pending")
    return { state: "pending", decision: earlier, lapsed: "inputs changed" };
  return { state: "pending" };
}

/** Counts of a report's images by review state, and the lapsed approvals. */
export interface ReviewCounts {
  readonly approved: number;
  readonly rejected: number;
  readonly pending: number;
  /** Images whose approval no longer holds, with why. */
  readonly lapsed: ReadonlyArray<{ readonly job: string; readonly n: number; readonly reason: string }>;
}

/** Counts the review states of every image of the jobs given. Pure. */
export function countReviews(
  index: DecisionIndex,
  jobs: Iterable<{
    readonly id: string;
    readonly key: string;
    readonly outputs: ReadonlyArray<{ readonly sha256: string }>;
  }>,
): ReviewCounts {
  const counts = { approved: 0, rejected: 0, pending: 0 };
  const lapsed: Array<{ job: string; n: number; reason: string }> = [];
  for (const job of jobs)
    for (const [i, o] of job.outputs.entries()) {
      const r = reviewOf(index, job, i + 1, o.sha256);
      counts[r.state]++;
      if (r.lapsed && r.lapsed !== "regenerated" && r.decision?.state === "approved")
        lapsed.push({ job: job.id, n: i + 1, reason: r.lapsed });
    }
  return { ...counts, lapsed };
}
