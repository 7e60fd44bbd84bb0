import { type LoadPlanOptions, loadPlan } from "../load/load-plan.js";
import { formatPlanSummary, summarizePlan, writePlanJson } from "../plan/index.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./streams.js";

export interface PlanFlags {
  readonly json?: boolean;
  readonly only?: string;
  readonly limit?: number;
  readonly model?: string;
  readonly name?: string;
}

/** Turns the shared flags into loadPlan options. */
export function planOptions(flags: PlanFlags, io: CliIo): LoadPlanOptions {
  return {
    env: io.env,
    ...(flags.only !== undefined ? { only: flags.only } : {}),
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
  };
}

/** `seedream-pipeline plan`: the jobs, images, uploads and cost, sending nothing. */
export async function planCommand(manifest: string, flags: PlanFlags, io: CliIo): Promise<number> {
  const { plan } = await loadPlan(manifest, planOptions(flags, io));
  if (flags.json) writePlanJson(plan, (chunk) => io.stdout.write(chunk));
  else io.stdout.write(formatPlanSummary(summarizePlan(plan)));
  return EXIT.ok;
}

/** `seedream-pipeline validate`: exit 0 and a one-line summary, or every error and exit 2. */
export async function validateCommand(manifest: string, flags: PlanFlags, io: CliIo): Promise<number> {
  const { plan } = await loadPlan(manifest, planOptions(flags, io));
  const s = summarizePlan(plan);
  const images = s.images.min === s.images.max ? `${s.images.min}` : `${s.images.min}–${s.images.max}`;
  io.stdout.write(
    `${manifest}: valid, ${s.jobs} jobs, ${images} images, ${s.uploads.files} files to upload\n`,
  );
  for (const w of s.warnings) io.stderr.write(`warning: ${w}\n`);
  return EXIT.ok;
}
