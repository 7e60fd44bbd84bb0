import { join, relative, resolve } from "node:path";
import { falSource } from "../fal/index.js";
import { type LoadPlanOptions, loadPlan } from "../load/load-plan.js";
import { formatPlanSummary, type Plan, summarizePlan, writePlanJson } from "../plan/index.js";
import { type OutputPreview, type PreviewKind, previewOutput } from "../run/preview-output.js";
import { EXIT } from "./exit-codes.js";
import { formatPreview, previewJson } from "./format-preview.js";
import type { CliIo } from "./streams.js";

export interface PlanFlags {
  readonly json?: boolean;
  readonly only?: string;
  readonly limit?: number;
  readonly model?: string;
  readonly name?: string;
}

/** Flags that say which output folder and fal target a plan is told against. */
export interface PreviewFlags {
  /** Output root: with it, `plan` shows what a run into `<output>/<name>/` would do. */
  readonly output?: string;
  readonly emulator?: boolean;
  readonly falBaseUrl?: string;
  readonly force?: boolean;
  readonly retryFailed?: boolean;
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

/** What a run into the output folder would do, when one is given. */
async function previewFor(plan: Plan, flags: PreviewFlags, io: CliIo): Promise<OutputPreview | undefined> {
  if (flags.output === undefined) return undefined;
  const source = falSource({
    ...(flags.emulator ? { emulator: true } : {}),
    ...(flags.falBaseUrl !== undefined ? { baseUrl: flags.falBaseUrl } : {}),
    env: io.env,
  });
  return previewOutput(plan, resolve(join(flags.output, plan.name)), source, {
    ...(flags.force ? { force: true } : {}),
    ...(flags.retryFailed ? { retryFailed: true } : {}),
  });
}

/**
 * `seedream-pipeline plan` (and `run --dry-run`): the jobs, images, uploads and cost, sending
 * nothing; with an output folder, also what a run into it would do: jobs to run and their
 * cost, up to date, resumed, failed for good.
 */
export async function planCommand(
  manifest: string,
  flags: PlanFlags & PreviewFlags,
  io: CliIo,
): Promise<number> {
  const { plan } = await loadPlan(manifest, planOptions(flags, io));
  const preview = await previewFor(plan, flags, io);
  const where = preview ? relative(process.cwd(), preview.outputDir) || "." : "";
  if (flags.json) {
    const kindOf = new Map<string, PreviewKind>();
    if (preview)
      for (const [kind, jobs] of Object.entries(preview.jobs) as Array<[PreviewKind, typeof plan.jobs]>)
        for (const j of jobs) kindOf.set(j.id, kind);
    writePlanJson(
      plan,
      (chunk) => io.stdout.write(chunk),
      preview
        ? { head: { output: previewJson(preview, where) }, job: (j) => ({ will: kindOf.get(j.id) }) }
        : {},
    );
  } else {
    io.stdout.write(formatPlanSummary(summarizePlan(plan)));
    if (preview) io.stdout.write(`\n${formatPreview(preview, where)}`);
  }
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
