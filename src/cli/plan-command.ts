import { join, relative, resolve } from "node:path";
import { systemClock } from "../clock.js";
import { credentialsFromEnv, falSource, type PlatformAccess } from "../fal/index.js";
import type { PreviewKind } from "../model/job-phase.js";
import { type LoadPlanOptions, loadPlan } from "../pipeline/load-plan.js";
import { type OutputPreview, previewOutput } from "../pipeline/preview-output.js";
import { type PricePlanOptions, pricePlan } from "../pipeline/price-plan.js";
import { falEndpoints } from "../pipeline/resolve-endpoints.js";
import {
  formatPlanSummary,
  type Plan,
  roundUsd,
  schemaLine,
  summarizePlan,
  writePlanJson,
} from "../plan/index.js";
import { EXIT } from "./exit-codes.js";
import { costOf, formatPreview, previewJson } from "./format-preview.js";
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
  /** `--max-cost` (over the manifest's `max_cost_usd`): a plan that costs more is warned about. */
  readonly maxCost?: number;
}

/**
 * Whether and how `plan` and `validate` ask fal (prices, model schemas): where a run with these
 * flags would send its traffic. The built-in emulator serves the shipped snapshots and the
 * built-in prices, and fal is not asked without a key.
 */
function falAsk(flags: PreviewFlags, io: CliIo): { access: PlatformAccess | undefined; notAsked?: string } {
  if (flags.emulator)
    return { access: undefined, notAsked: "the built-in emulator serves the shipped snapshots" };
  const source = falSource({ ...(flags.falBaseUrl ? { baseUrl: flags.falBaseUrl } : {}), env: io.env });
  const credentials = credentialsFromEnv(io.env);
  if (source !== "fal") return { access: { target: { kind: "base-url", baseUrl: source }, credentials } };
  if (credentials === undefined)
    return { access: undefined, notAsked: "FAL_KEY is not set: fal's Model Search API was not asked" };
  return { access: { target: { kind: "fal" }, credentials } };
}

/**
 * Where `plan` and `validate` read each model's schema: fal's Model Search API where a run with
 * these flags would send its traffic, the output folder's cache of it, else the shipped snapshots.
 */
function schemaOptions(flags: PreviewFlags, io: CliIo): Pick<LoadPlanOptions, "endpoints"> {
  return {
    endpoints: falEndpoints({
      ...falAsk(flags, io),
      outputRoot: resolve(flags.output ?? "output"),
      clock: systemClock,
      makeStateDir: false,
    }),
  };
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
 * Where `plan` asks for prices: where a run with these flags would send its traffic (its
 * cache is the output folder's, used only where a run made it). The built-in emulator charges
 * the built-in prices, and fal is not asked without a key.
 */
function priceOptions(plan: Plan, flags: PreviewFlags, io: CliIo): PricePlanOptions {
  const ask = falAsk(flags, io);
  return {
    stateDir: resolve(join(flags.output ?? "output", plan.name, ".state")),
    clock: systemClock,
    makeStateDir: false,
    access: ask.access,
    ...(ask.access !== undefined
      ? {}
      : {
          notAsked: flags.emulator
            ? "the built-in emulator charges the built-in prices"
            : "FAL_KEY is not set: fal's prices were not asked",
        }),
  };
}

/**
 * One line before anything is sent when the cap (`--max-cost`, else `max_cost_usd`) is below
 * what the plan can cost (with an output folder: what tonight's run would send).
 */
function warnOverCap(
  cap: number | undefined,
  fromFlag: boolean,
  plan: Plan,
  preview: OutputPreview | undefined,
  io: CliIo,
): void {
  if (cap === undefined) return;
  // A run reserves for what earlier runs left at fal too (see `Budget.hold`).
  const held = preview ? costOf(preview.heldAtFal).costUsd.max : 0;
  const cost = preview
    ? roundUsd(costOf(preview.jobs["to-run"]).costUsd.max + held)
    : plan.estimatedCostUsd.max;
  if (cost <= cap + 1e-9) return;
  const what = !preview
    ? "the plan"
    : held > 0
      ? "what this run would send and what earlier runs left at fal"
      : "what this run would send";
  const usd = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
  io.stderr.write(
    `warning: ${what} can cost up to ${usd(cost)}, over the budget of ${usd(cap)} (${fromFlag ? "--max-cost" : "max_cost_usd"}): the run stops submitting at the budget (exit 3)\n`,
  );
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
  const loaded = await loadPlan(manifest, { ...planOptions(flags, io), ...schemaOptions(flags, io) });
  const { plan } = await pricePlan(loaded.plan, loaded.allJobs, priceOptions(loaded.plan, flags, io));
  const preview = await previewFor(plan, flags, io);
  warnOverCap(flags.maxCost ?? loaded.maxCostUsd, flags.maxCost !== undefined, plan, preview, io);
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
export async function validateCommand(
  manifest: string,
  flags: PlanFlags & Pick<PreviewFlags, "emulator" | "falBaseUrl">,
  io: CliIo,
): Promise<number> {
  const { plan } = await loadPlan(manifest, { ...planOptions(flags, io), ...schemaOptions(flags, io) });
  const s = summarizePlan(plan);
  const images = s.images.min === s.images.max ? `${s.images.min}` : `${s.images.min}–${s.images.max}`;
  io.stdout.write(
    `${manifest}: valid, ${s.jobs} jobs, ${images} images, ${s.uploads.files} files to upload\n`,
  );
  for (const schema of s.schemas) io.stdout.write(`${schemaLine(schema)}\n`);
  for (const w of s.warnings) io.stderr.write(`warning: ${w}\n`);
  return EXIT.ok;
}
