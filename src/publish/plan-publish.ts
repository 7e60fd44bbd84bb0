import type { Report } from "../report/index.js";
import { type DecisionIndex, reviewOf } from "../review/index.js";

/** One file to publish, relative to the output folder and to the destination alike. */
export interface PublishItem {
  /** Path under the output folder, and the key under the destination. */
  readonly path: string;
  readonly kind: "image" | "derivative" | "sidecar";
  readonly job: string;
  readonly n: number;
  readonly contentType: string;
  readonly cacheControl: string;
  /** The hash the report holds (absent for a sidecar: hashed when read). */
  readonly sha256?: string;
  /** A sidecar is published when it exists; the manifest says whether one is made. */
  readonly optional?: boolean;
}

/** What `planPublish` chooses from. */
export interface PublishSelection {
  /** Every successful image, reviewed or not. @default false: only approved images */
  readonly all?: boolean;
  /** Cache-Control of images and derivatives. @default "public, max-age=86400" */
  readonly imageCacheControl?: string;
  /** Cache-Control of sidecars and the publish manifest. @default "no-cache" */
  readonly dataCacheControl?: string;
  /**
   * Publish each image's sidecar (its prompt, row and fal request id) beside it; false for a
   * public bucket. @default true
   */
  readonly sidecars?: boolean;
}

/** Why an image is held back, for `--dry-run` and the summary. */
export interface HeldBack {
  readonly job: string;
  readonly n: number;
  readonly state: string;
  readonly reason?: string;
}

export const DEFAULT_IMAGE_CACHE = "public, max-age=86400";
export const DEFAULT_DATA_CACHE = "no-cache";

/**
 * Chooses the files to publish from the last report and the review decisions: each approved
 * image (or, with `all`, each image of a succeeded or up-to-date job) with its derivatives and
 * (unless `sidecars` is false) its sidecar. An approval made on other bytes, or under the job's earlier inputs, does not
 * count. Pure.
 */
export function planPublish(
  report: Report,
  decisions: DecisionIndex,
  selection: PublishSelection = {},
): { items: PublishItem[]; held: HeldBack[] } {
  const imageCache = selection.imageCacheControl ?? DEFAULT_IMAGE_CACHE;
  const dataCache = selection.dataCacheControl ?? DEFAULT_DATA_CACHE;
  const items: PublishItem[] = [];
  const held: HeldBack[] = [];
  for (const job of report.jobs) {
    if (job.status !== "succeeded" && job.status !== "skipped") continue;
    for (const [i, o] of job.outputs.entries()) {
      const n = i + 1;
      if (!selection.all) {
        const review = reviewOf(decisions, job, n, o.sha256);
        if (review.state !== "approved") {
          held.push({
            job: job.id,
            n,
            state: review.state,
            ...(review.lapsed ? { reason: review.lapsed } : {}),
          });
          continue;
        }
      }
      const base = { job: job.id, n };
      items.push({
        ...base,
        path: o.path,
        kind: "image",
        contentType: o.content_type,
        cacheControl: imageCache,
        sha256: o.sha256,
      });
      for (const d of o.derivatives ?? [])
        items.push({
          ...base,
          path: d.path,
          kind: "derivative",
          contentType: d.content_type,
          cacheControl: imageCache,
          sha256: d.sha256,
        });
      if (selection.sidecars === false) continue;
      items.push({
        ...base,
        path: `${o.path}.json`,
        kind: "sidecar",
        contentType: "application/json",
        cacheControl: dataCache,
        optional: true,
      });
    }
  }
  return { items, held };
}
