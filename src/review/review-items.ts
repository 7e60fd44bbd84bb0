import { findEndpoint } from "../endpoints/index.js";
import type { Report } from "../report/index.js";
import { rowTitle } from "../report/words.js";
import type { InputImage, ReviewItem } from "./review-item.js";
import { type DecisionIndex, reviewOf } from "./review-status.js";

export type { InputImage, ReviewItem } from "./review-item.js";

/**
 * Every image of the report as a review tile, with its inputs and where it stands in review;
 * a job without an image (failed, not run) is one tile with its error. Pure.
 */
export function reviewItems(
  report: Report,
  decisions: DecisionIndex,
  inputsOf: (key: string) => readonly InputImage[],
): ReviewItem[] {
  const items: ReviewItem[] = [];
  for (const job of report.jobs) {
    const endpoint = findEndpoint(job.endpoint);
    const seed = typeof job.input.seed === "number" ? job.input.seed : job.seed;
    const base = {
      job: job.id,
      key: job.key,
      status: job.status,
      model: endpoint?.model ?? job.endpoint,
      size: job.size_name,
      prompt: String(job.input.prompt ?? ""),
      row: job.row ?? {},
      ...(rowTitle(job.row) ? { title: rowTitle(job.row) } : {}),
      inputs: inputsOf(job.key),
      ...(seed === undefined ? {} : { seed }),
      ...(job.request_id === undefined ? {} : { requestId: job.request_id }),
      ...(endpoint?.pricePerImageUsd === undefined ? {} : { priceUsd: endpoint.pricePerImageUsd }),
      ...(job.error
        ? { error: job.error.message }
        : job.reason && job.status !== "skipped"
          ? { error: job.reason }
          : {}),
    };
    if (job.outputs.length === 0) {
      items.push({ ...base, n: 0, review: "none" });
      continue;
    }
    for (const [i, o] of job.outputs.entries()) {
      const r = reviewOf(decisions, job, i + 1, o.sha256);
      items.push({
        ...base,
        n: i + 1,
        image: {
          path: o.path,
          sha256: o.sha256,
          width: o.width,
          height: o.height,
          contentType: o.content_type,
        },
        review: r.state,
        ...(r.decision?.note && !r.lapsed ? { note: r.decision.note } : {}),
        ...(r.decision && !r.lapsed ? { decidedAt: r.decision.at } : {}),
        ...(r.lapsed ? { lapsed: r.lapsed } : {}),
      });
    }
  }
  return items;
}

/** What the reviewer filters by. Empty fields match everything. */
export interface ReviewQuery {
  readonly status?: string;
  readonly review?: string;
  readonly model?: string;
  readonly size?: string;
  /** Words that must all appear in the id, row values, prompt or request id. */
  readonly text?: string;
  /** Jobs without a good image first. */
  readonly failuresFirst?: boolean;
}

const failed = (i: ReviewItem) => i.status === "failed" || i.status === "canceled" || i.status === "not_run";

/** The items a query selects, in report order (failures first when asked). Pure. */
export function filterItems(items: readonly ReviewItem[], q: ReviewQuery): ReviewItem[] {
  const words = (q.text ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const kept = items.filter((i) => {
    if (q.status && i.status !== q.status) return false;
    if (q.review && i.review !== q.review) return false;
    if (q.model && i.model !== q.model) return false;
    if (q.size && i.size !== q.size) return false;
    if (words.length === 0) return true;
    const hay = [i.job, i.prompt, i.requestId ?? "", ...Object.values(i.row)].join(" ").toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  return q.failuresFirst ? [...kept.filter(failed), ...kept.filter((i) => !failed(i))] : kept;
}

/** Counts by review state and the values each filter offers. Pure. */
export function itemFacets(items: readonly ReviewItem[]) {
  const count = (f: (i: ReviewItem) => string) => {
    const m: Record<string, number> = {};
    for (const i of items) m[f(i)] = (m[f(i)] ?? 0) + 1;
    return m;
  };
  return {
    review: count((i) => i.review),
    status: count((i) => i.status),
    model: count((i) => i.model),
    size: count((i) => i.size),
  };
}
