import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Report, ReportJob } from "../../src/report/index.js";
import { writePng } from "./images.js";

const COLOURS = ["#c8ccd4", "#b03040", "#3366cc", "#2f855a"];

/** What a synthetic catalog report holds: which jobs failed, which were up to date. */
export interface SyntheticCatalog {
  readonly rows: number;
  /** Job indexes (0-based, rows × 2 sizes) that failed. */
  readonly failed: readonly number[];
  /** Every `skippedEvery`-th job was already up to date. @default never */
  readonly skippedEvery?: number;
}

/** The job id at an index: row `i >> 1`, size square (even) or banner (odd). */
export const syntheticJobId = (i: number) =>
  `sku-${String(i >> 1).padStart(6, "0")}-${i % 2 === 0 ? "square" : "banner"}`;

/**
 * Writes four real PNGs under `dir/img/` and returns a report of a large catalog run whose
 * outputs all point at them (so the gallery makes four thumbnails, not one per job).
 */
export async function syntheticCatalogReport(dir: string, catalog: SyntheticCatalog): Promise<Report> {
  const images = await Promise.all(
    COLOURS.map(async (colour, k) => {
      const path = `img/${k}.png`;
      await writePng(join(dir, path), 64, 48, colour);
      return { path, sha256: createHash("sha256").update(`image-${k}`).digest("hex") };
    }),
  );
  const failed = new Set(catalog.failed);
  const jobs: ReportJob[] = [];
  for (let i = 0; i < catalog.rows * 2; i++) {
    const id = syntheticJobId(i);
    const image = images[i % images.length] as { path: string; sha256: string };
    const base = {
      id,
      key: createHash("sha256").update(id).digest("hex"),
      endpoint: "fal-ai/bytedance/seedream/v5/lite/edit",
      prompt_name: "hero",
      size_name: i % 2 === 0 ? "square" : "banner",
      row_index: (i >> 1) + 1,
      row: { sku: `sku-${String(i >> 1).padStart(6, "0")}`, name: `Product ${i >> 1}` },
      input: { prompt: `Product ${i >> 1} in the studio` },
      timings: {},
    };
    if (failed.has(i))
      jobs.push({
        ...base,
        request_id: `req-${i}`,
        status: "failed",
        outputs: [],
        error: { stage: "result", kind: "validation", message: `flagged content in row ${i >> 1}` },
      });
    else {
      const skipped = catalog.skippedEvery !== undefined && i % catalog.skippedEvery === 0;
      const output = {
        path: image.path,
        width: 64,
        height: 48,
        bytes: 100,
        sha256: image.sha256,
        content_type: "image/png",
        source_url: "https://fal.media/x.png",
      };
      jobs.push(
        skipped
          ? { ...base, request_id: `req-${i}`, status: "skipped", reason: "up to date", outputs: [output] }
          : { ...base, request_id: `req-${i}`, status: "succeeded", outputs: [output] },
      );
    }
  }
  const count = (s: ReportJob["status"]) => jobs.filter((j) => j.status === s).length;
  return {
    schema_version: 1,
    pipeline: "catalog",
    manifest: "catalog.yaml",
    model: "seedream-v5-lite",
    endpoint: "fal-ai/bytedance/seedream/v5/lite/edit",
    run: {
      id: "2026-12-01T02-00-00-000Z-abcdef12",
      started_at: "2026-12-01T02:00:00.000Z",
      finished_at: "2026-12-01T03:00:00.000Z",
      duration_ms: 3_600_000,
      fal_target: "fal",
      ended_by: "completed",
      concurrency: { mode: "auto", peak: 8, capacity_estimate: 8 },
      http_calls: {},
      rate_limited: 0,
    },
    totals: {
      jobs: jobs.length,
      succeeded: count("succeeded"),
      failed: count("failed"),
      skipped: count("skipped"),
      canceled: 0,
      unfinished: 0,
      not_run: 0,
      images: jobs.reduce((n, j) => n + j.outputs.length, 0),
      bytes: jobs.reduce((n, j) => n + j.outputs.length * 100, 0),
      estimated_cost_usd: { min: 0, max: 0 },
      cost_usd: 0,
    },
    jobs,
  };
}
