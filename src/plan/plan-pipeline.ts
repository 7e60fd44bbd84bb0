import { createHash } from "node:crypto";
import { type PixelSize, resolvePixelSize } from "../endpoints/index.js";
import type { ImageRef, Manifest } from "../manifest/index.js";
import { canonicalJson } from "./canonical-json.js";
import type { JobDraft } from "./draft.js";
import { costRange, manifestPrices } from "./prices.js";
import { type Selection, selectDrafts } from "./select.js";
import type { Job, Plan, SkippedRow, Upload } from "./types.js";

/** What the planner is given: the stages before it, done. */
export interface PlanInput {
  readonly manifest: Manifest;
  /** The expanded jobs, all valid (see `settleRows`). */
  readonly drafts: readonly JobDraft[];
  /** Every local image the drafts name, resolved, by absolute path (URLs need no entry). */
  readonly images: ReadonlyMap<string, ImageRef>;
  /** Warnings of the stages before (the manifest's own are added). */
  readonly warnings?: readonly string[];
  readonly skipped?: readonly SkippedRow[];
}

/** The resolved image for a key: a local file from the resolved map, or a URL (kept as its key). */
function imageRef(images: ReadonlyMap<string, ImageRef>, key: string): ImageRef {
  const file = images.get(key);
  if (file) return file;
  if (/^(https?|data):/i.test(key)) return { kind: "url", url: key };
  throw new Error(`image ${key} was not resolved before planning`);
}

/** What of an input image decides the output: a file's content, or a URL as written. */
function imageIdentity(ref: ImageRef): { sha256: string } | { url: string } {
  return ref.kind === "file" ? { sha256: ref.sha256 } : { url: ref.url };
}

/**
 * The job key: sha256 over the endpoint's stable identity (not its current id: a rename must
 * not make a catalog new), the canonical input and the input images' identities.
 */
export function jobKey(
  endpointIdentity: string,
  input: Readonly<Record<string, unknown>>,
  images: readonly ImageRef[],
): string {
  const material = canonicalJson({ endpoint: endpointIdentity, input, images: images.map(imageIdentity) });
  return createHash("sha256").update(material).digest("hex");
}

function integer(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isInteger(v) ? v : fallback;
}

/** A job's output settings (made once per size variant, and shared by its jobs). */
function jobOutput(manifest: Manifest, sizeName: string, bySize: Map<string, Job["output"]>): Job["output"] {
  const known = bySize.get(sizeName);
  if (known) return known;
  const o = manifest.output;
  const main = { ...o.main, resize: o.resize[sizeName] };
  const settingsKey = createHash("sha256")
    .update(
      canonicalJson({
        main,
        derivatives: o.derivatives,
        derivativePath: o.derivativePath.template.source,
        outputPath: manifest.outputPath.template.source,
        sidecar: o.sidecar,
      }),
    )
    .digest("hex")
    .slice(0, 16);
  const made = {
    main,
    derivatives: o.derivatives,
    derivativePath: o.derivativePath,
    sidecar: o.sidecar,
    settingsKey,
  };
  bySize.set(sizeName, made);
  return made;
}

function toJob(
  manifest: Manifest,
  draft: JobDraft,
  images: ReadonlyMap<string, ImageRef>,
  outputs: Map<string, Job["output"]>,
): Job {
  const refs = draft.imageKeys.map((k) => imageRef(images, k));
  const first = refs[0];
  const firstSize: PixelSize | undefined =
    first?.kind === "file" ? { width: first.width, height: first.height } : undefined;
  const autoSize = typeof draft.sizeValue === "string" && draft.sizeValue.startsWith("auto_");
  const generations = integer(draft.input.num_images, 1);
  const perGeneration = integer(draft.input.max_images, 1);
  return {
    id: draft.id,
    key: jobKey(draft.endpoint.identity, draft.input, refs),
    endpoint: draft.endpoint,
    promptName: draft.template.promptName,
    sizeName: draft.sizeName,
    sizeValue: draft.sizeValue,
    row: draft.row.vars,
    rowIndex: manifest.rowsFile === undefined && manifest.rows.length === 1 ? 0 : draft.row.index,
    input: draft.input,
    images: refs,
    expectedSize:
      autoSize && !firstSize ? undefined : resolvePixelSize(draft.endpoint, draft.sizeValue, firstSize),
    expectedImages: { min: generations, max: generations * perGeneration },
    pricePerImageUsd: manifest.prices[draft.endpoint.id] ?? draft.endpoint.pricePerImageUsd ?? 0,
    seed: draft.seed,
    outputPath: manifest.outputPath,
    output: jobOutput(manifest, draft.sizeName, outputs),
  };
}

/** A warning when the plan is empty, saying why: a silent night of no work is a bug report waiting. */
function nothingToDo(input: PlanInput, selection: Selection, jobs: number): string[] {
  if (jobs > 0) return [];
  const total = input.drafts.length;
  if (total > 0 && selection.only !== undefined) {
    const examples = input.drafts.slice(0, 3).map((d) => d.id);
    return [
      `--only \`${selection.only}\` matches none of the ${total} jobs (ids such as ${examples.join(", ")})`,
    ];
  }
  if (total > 0) return [];
  return [`${input.manifest.displayFile}: the manifest makes no jobs: nothing will be sent`];
}

/**
 * Turns expanded, valid drafts with their resolved images into the plan: jobs with keys,
 * expected sizes and prices, the distinct files to upload, and the estimated cost. Pure.
 */
export function planPipeline(input: PlanInput, selection: Selection = {}): Plan {
  const { manifest } = input;
  const selected = selectDrafts(input.drafts, selection);
  const outputs = new Map<string, Job["output"]>();
  const jobs: Job[] = [];
  for (const draft of selected) jobs.push(toJob(manifest, draft, input.images, outputs));
  const uploads = new Map<string, Upload>();
  for (const job of jobs)
    for (const ref of job.images)
      if (ref.kind === "file" && !uploads.has(ref.sha256))
        uploads.set(ref.sha256, {
          sha256: ref.sha256,
          path: ref.path,
          contentType: ref.contentType,
          bytes: ref.bytes,
        });
  return {
    name: manifest.name,
    endpoint: manifest.endpoint,
    jobs,
    uploads: [...uploads.values()],
    estimatedCostUsd: costRange(jobs),
    prices: manifestPrices(jobs, manifest.prices),
    totalJobs: input.drafts.length,
    warnings: [
      ...manifest.warnings,
      ...(input.warnings ?? []),
      ...nothingToDo(input, selection, jobs.length),
    ],
    skipped: input.skipped ?? [],
  };
}

/** The exact input sent to fal: the job's input with the image URLs last, as the API pages show it. */
export function falInput(job: Job, imageUrls: readonly string[]): Record<string, unknown> {
  const field = job.endpoint.imageField;
  return { ...job.input, [field.name]: field.list ? [...imageUrls] : imageUrls[0] };
}
