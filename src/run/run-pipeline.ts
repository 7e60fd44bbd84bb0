import { join, resolve } from "node:path";
import { type Clock, systemClock } from "../clock.js";
import { createEditClient, type FalAccess, Traffic } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import { type ExecuteOptions, type ExecuteResult, executePlan } from "./execute-plan.js";
import { type LoadPlanOptions, loadPlan } from "./load-plan.js";

/** Options of `runPipeline`. */
export interface RunPipelineOptions
  extends LoadPlanOptions,
    Pick<
      ExecuteOptions,
      | "maxConcurrency"
      | "jobTimeoutMs"
      | "startTimeoutS"
      | "deadlineAt"
      | "deadlineAction"
      | "retry"
      | "hooks"
    > {
  /** Path of the YAML or CSV manifest. */
  readonly manifestPath: string;
  /** Where the pipeline's folder is made. @default "output" */
  readonly outputRoot?: string;
  /** Requests in flight: `auto` or a number; overrides the manifest. @default the manifest's, else "auto" */
  readonly concurrency?: number | "auto";
  /** Where fal traffic goes (see `resolveFalAccess`). */
  readonly access: FalAccess;
  readonly logger?: Logger;
  /** @default the system clock */
  readonly clock?: Clock;
  /** The fetch under every fal call. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Reads, plans and runs a manifest: images under `<outputRoot>/<name>/`, then `report.json`. */
export async function runPipeline(
  options: RunPipelineOptions,
): Promise<ExecuteResult & { readonly outputDir: string }> {
  const { plan, concurrency } = await loadPlan(options.manifestPath, options);
  const outputDir = resolve(join(options.outputRoot ?? "output", plan.name));
  const clock = options.clock ?? systemClock;
  const traffic = new Traffic(clock);
  const client = createEditClient({
    target: options.access.target,
    credentials: options.access.credentials,
    traffic,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const pick = <K extends keyof RunPipelineOptions>(k: K) =>
    options[k] === undefined ? {} : { [k]: options[k] };
  const result = await executePlan({
    plan,
    manifestPath: options.manifestPath,
    outputDir,
    client,
    traffic,
    clock,
    concurrency: options.concurrency ?? concurrency ?? "auto",
    falTarget: options.access.description,
    ...pick("maxConcurrency"),
    ...pick("jobTimeoutMs"),
    ...pick("startTimeoutS"),
    ...pick("deadlineAt"),
    ...pick("deadlineAction"),
    ...pick("retry"),
    ...pick("hooks"),
    ...pick("logger"),
    ...(options.fetch ? { downloadFetch: options.fetch } : {}),
  } as ExecuteOptions);
  return { ...result, outputDir };
}
