import { ManifestError } from "../errors.js";
import { type ReadManifestOptions, readManifest } from "../manifest/index.js";
import {
  expandManifest,
  type Plan,
  planPipeline,
  type Selection,
  settleRows,
  skippedWarnings,
} from "../plan/index.js";
import { resolveImages } from "./resolve-images.js";

/** Options of `loadPlan`: how to read the manifest and which jobs to keep. */
export interface LoadPlanOptions extends ReadManifestOptions, Selection {}

/** A manifest, planned: nothing is sent yet. */
export interface LoadedPlan {
  readonly plan: Plan;
  /** The manifest's `concurrency`, if it sets one. */
  readonly concurrency: number | "auto" | undefined;
  /** The manifest's `max_cost_usd`, if it sets one. */
  readonly maxCostUsd: number | undefined;
  /** Every job of the manifest, before `--only` / `--limit` (the same as `plan.jobs` without them). */
  readonly allJobs: Plan["jobs"];
}

/**
 * Reads, expands, resolves and plans a manifest (YAML or CSV): the one place that knows the
 * order of the stages. Every stage reports its issues and the next still runs where it can, so
 * every mistake is reported at once: throws a ManifestError with all of them. Nothing is sent.
 */
export async function loadPlan(manifestPath: string, options: LoadPlanOptions = {}): Promise<LoadedPlan> {
  const read = await readManifest(manifestPath, options);
  if (!read.ok) throw new ManifestError(read.issues);
  const { manifest } = read;
  const expansion = expandManifest(manifest);
  const resolved = await resolveImages(expansion.imageUses);
  const settled = settleRows({
    manifest,
    readIssues: read.issues,
    readSkipped: read.skipped,
    expansion,
    imageFailures: resolved.failures,
  });
  if (!settled.ok) throw new ManifestError(settled.issues);
  const selection = {
    ...(options.only !== undefined ? { only: options.only } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
  const planned = {
    manifest,
    drafts: settled.drafts,
    images: resolved.images,
    warnings: [...expansion.warnings, ...skippedWarnings(settled.skipped)],
    skipped: settled.skipped,
  };
  const plan = planPipeline(planned, selection);
  // A selection's report keeps the other jobs, so it needs to know them (and their keys).
  const selecting = options.only !== undefined || options.limit !== undefined;
  const all = selecting ? planPipeline(planned, {}) : plan;
  // Prices of every endpoint of the manifest (`pricePlan` asks fal for them all: the report keeps every job).
  return {
    plan: { ...plan, prices: all.prices },
    concurrency: manifest.concurrency,
    maxCostUsd: manifest.maxCostUsd,
    allJobs: all.jobs,
  };
}
