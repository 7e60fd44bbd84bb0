import { type ReadManifestOptions, readManifest } from "../manifest/index.js";
import { type Plan, planPipeline, type Selection } from "../plan/index.js";

/** Options of `loadPlan`: how to read the manifest and which jobs to keep. */
export interface LoadPlanOptions extends ReadManifestOptions, Selection {}

/** Reads and validates a manifest (YAML or CSV), then plans it. Nothing is sent. */
export async function loadPlan(
  manifestPath: string,
  options: LoadPlanOptions = {},
): Promise<{ plan: Plan; concurrency: number | "auto" | undefined; maxCostUsd: number | undefined }> {
  const manifest = await readManifest(manifestPath, options);
  const selection = {
    ...(options.only !== undefined ? { only: options.only } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
  return {
    plan: planPipeline(manifest, selection),
    concurrency: manifest.concurrency,
    maxCostUsd: manifest.maxCostUsd,
  };
}
