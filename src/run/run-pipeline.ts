import { join, resolve } from "node:path";
import { createEditClient, type FalAccess } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import { type ExecuteResult, executePlan } from "./execute-plan.js";
import { type LoadPlanOptions, loadPlan } from "./load-plan.js";

/** Options of `runPipeline`. */
export interface RunPipelineOptions extends LoadPlanOptions {
  /** Path of the YAML or CSV manifest. */
  readonly manifestPath: string;
  /** Where the pipeline's folder is made. @default "output" */
  readonly outputRoot?: string;
  /** Requests in flight at once; overrides the manifest. @default the manifest's, else 2 */
  readonly concurrency?: number;
  /** Where fal traffic goes (see `resolveFalAccess`). */
  readonly access: FalAccess;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** The fetch under every fal call. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Reads, plans and runs a manifest: images under `<outputRoot>/<name>/`, then `report.json`. */
export async function runPipeline(
  options: RunPipelineOptions,
): Promise<ExecuteResult & { readonly outputDir: string }> {
  const { plan, concurrency } = await loadPlan(options.manifestPath, options);
  const outputDir = resolve(join(options.outputRoot ?? "output", plan.name));
  const client = createEditClient({
    target: options.access.target,
    credentials: options.access.credentials,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const result = await executePlan({
    plan,
    manifestPath: options.manifestPath,
    outputDir,
    client,
    concurrency: options.concurrency ?? (typeof concurrency === "number" ? concurrency : 2),
    falTarget: options.access.description,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.fetch ? { downloadFetch: options.fetch } : {}),
  });
  return { ...result, outputDir };
}
