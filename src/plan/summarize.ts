import { type EndpointDefinition, findEndpoint, schemaOrigin } from "../endpoints/index.js";
import { formatIssue } from "../errors.js";
import { displayUrl } from "../model/image-record.js";
import { type EndpointPrice, roundUsd } from "./prices.js";
import type { Plan } from "./types.js";

/** One line of the plan table: jobs of one prompt at one size. */
export interface PlanGroup {
  readonly model: string;
  readonly prompt: string;
  readonly size: string;
  readonly jobs: number;
  readonly images: { readonly min: number; readonly max: number };
  readonly costUsd: { readonly min: number; readonly max: number };
}

/** What `plan` shows: groups by model, prompt and size, uploads and cost. Pure. */
export interface PlanSummary {
  readonly name: string;
  readonly jobs: number;
  readonly totalJobs: number;
  readonly groups: readonly PlanGroup[];
  readonly images: { readonly min: number; readonly max: number };
  readonly uploads: { readonly files: number; readonly bytes: number };
  readonly estimatedCostUsd: { readonly min: number; readonly max: number };
  /** The price per image of each endpoint, and where it came from. */
  readonly prices: readonly EndpointPrice[];
  /** The schema in force for each endpoint the plan uses, and where it came from. */
  readonly schemas: readonly SchemaInForce[];
  readonly warnings: readonly string[];
  /** Rows left out (`on_invalid_row: skip`): where, and each issue as one line. */
  readonly skipped: readonly {
    readonly row: number;
    readonly at: string;
    readonly issues: readonly string[];
  }[];
}

/** Which schema an endpoint is validated and sized against. */
interface SchemaInForce {
  readonly model: string;
  readonly endpoint: string;
  readonly status: "active" | "deprecated";
  /** fal's Model Search API now, its cached answer, or the snapshot shipped in the package. */
  readonly source: "fal" | "cache" | "snapshot";
  /** When fal gave it (ISO 8601), for `fal` and `cache`. */
  readonly fetched_at?: string;
}

function schemaInForce(e: EndpointDefinition): SchemaInForce {
  const at = e.schema.fetchedAt;
  return {
    model: e.model,
    endpoint: e.id,
    status: e.status,
    source: e.schema.source,
    ...(at === undefined ? {} : { fetched_at: new Date(at).toISOString() }),
  };
}

/** The endpoints a plan uses (its own first), each once. */
function endpointsOf(plan: Plan): EndpointDefinition[] {
  const out = new Map<string, EndpointDefinition>([[plan.endpoint.id, plan.endpoint]]);
  for (const job of plan.jobs) if (!out.has(job.endpoint.id)) out.set(job.endpoint.id, job.endpoint);
  return [...out.values()];
}

/** The schema in force of each endpoint a plan uses. Pure. */
export function schemasInForce(plan: Plan): SchemaInForce[] {
  return endpointsOf(plan).map(schemaInForce);
}

/** Summarizes a plan for `plan` and `validate`: groups by model, prompt and size. Pure. */
export function summarizePlan(plan: Plan): PlanSummary {
  const groups = new Map<
    string,
    {
      model: string;
      prompt: string;
      size: string;
      jobs: number;
      min: number;
      max: number;
      cmin: number;
      cmax: number;
    }
  >();
  for (const job of plan.jobs) {
    const k = `${job.endpoint.model}\u0000${job.promptName}\u0000${job.sizeName}`;
    const g = groups.get(k) ?? {
      model: job.endpoint.model,
      prompt: job.promptName,
      size: job.sizeName,
      jobs: 0,
      min: 0,
      max: 0,
      cmin: 0,
      cmax: 0,
    };
    g.jobs += 1;
    g.min += job.expectedImages.min;
    g.max += job.expectedImages.max;
    g.cmin += job.expectedImages.min * job.pricePerImageUsd;
    g.cmax += job.expectedImages.max * job.pricePerImageUsd;
    groups.set(k, g);
  }
  const list = [...groups.values()].map((g) => ({
    model: g.model,
    prompt: g.prompt,
    size: g.size,
    jobs: g.jobs,
    images: { min: g.min, max: g.max },
    costUsd: { min: roundUsd(g.cmin), max: roundUsd(g.cmax) },
  }));
  return {
    name: plan.name,
    jobs: plan.jobs.length,
    totalJobs: plan.totalJobs,
    groups: list,
    images: {
      min: list.reduce((n, g) => n + g.images.min, 0),
      max: list.reduce((n, g) => n + g.images.max, 0),
    },
    uploads: { files: plan.uploads.length, bytes: plan.uploads.reduce((n, u) => n + u.bytes, 0) },
    estimatedCostUsd: plan.estimatedCostUsd,
    prices: plan.prices,
    schemas: schemasInForce(plan),
    warnings: plan.warnings,
    skipped: plan.skipped.map((s) => ({
      row: s.row,
      at: `${s.at.file}:${s.at.line}`,
      issues: s.issues.map(formatIssue),
    })),
  };
}

const range = (r: { min: number; max: number }, f: (n: number) => string = String) =>
  r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`;
const usd = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
const bytes = (n: number) =>
  n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

const SOURCES: Readonly<Record<EndpointPrice["source"], string>> = {
  fal: "from fal's pricing endpoint",
  cache: "from fal's pricing endpoint (cached under a day)",
  manifest: "from the manifest's prices",
  "built-in": "built in",
  none: "unknown: only fal's pricing endpoint can price it (or the manifest's `prices`)",
};

/** `price: seedream-v4.5 $0.040 per image, from fal's pricing endpoint`, and why not fal's. */
function priceLine(p: EndpointPrice): string {
  const name = findEndpoint(p.endpointId)?.model ?? p.endpointId;
  const note = p.note === undefined ? "" : ` (${p.note})`;
  return `price: ${name} $${p.unitPriceUsd.toFixed(3)} per image, ${SOURCES[p.source]}${note}`;
}

/** `schema: seedream-v5-lite (bytedance/seedream/v5/lite/edit) from the snapshot shipped with seedream-pipeline`. */
export function schemaLine(e: SchemaInForce): string {
  const named = e.model === e.endpoint ? e.endpoint : `${e.model} (${e.endpoint})`;
  const origin = schemaOrigin({
    schema: { source: e.source, ...(e.fetched_at ? { fetchedAt: Date.parse(e.fetched_at) } : {}) },
  });
  return `schema: ${named} from ${origin}${e.status === "deprecated" ? "; deprecated at fal" : ""}`;
}

/** The plan as a table for a terminal. */
export function formatPlanSummary(s: PlanSummary): string {
  const header = ["model", "prompt", "size", "jobs", "images", "cost"];
  const rows = s.groups.map((g) => [
    g.model,
    g.prompt,
    g.size,
    String(g.jobs),
    range(g.images),
    range(g.costUsd, usd),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const selected =
    s.jobs === s.totalJobs
      ? `${s.jobs} jobs`
      : `${s.jobs} of ${s.totalJobs} jobs (selected by --only/--limit)`;
  return [
    `${s.name}: ${selected}, ${range(s.images)} images`,
    "",
    line(header),
    ...rows.map(line),
    "",
    `inputs to upload: ${s.uploads.files} file${s.uploads.files === 1 ? "" : "s"} (${bytes(s.uploads.bytes)})`,
    `estimated cost: ${range(s.estimatedCostUsd, usd)}`,
    ...s.prices.map(priceLine),
    ...s.schemas.map(schemaLine),
    ...s.warnings.map((w) => `warning: ${w}`),
    "",
  ].join("\n");
}

function jobJson(j: Plan["jobs"][number]): Record<string, unknown> {
  return {
    id: j.id,
    key: j.key,
    endpoint: j.endpoint.id,
    prompt_name: j.promptName,
    size_name: j.sizeName,
    ...(j.rowIndex > 0 ? { row: j.rowIndex } : {}),
    input: {
      ...j.input,
      [j.endpoint.imageField.name]: ((urls) => (j.endpoint.imageField.list ? urls : urls[0]))(
        j.images.map((r) => (r.kind === "url" ? displayUrl(r.url) : `file:${r.path}`)),
      ),
    },
    expected_size: j.expectedSize ?? null,
    expected_images: j.expectedImages,
  };
}

/** The plan as JSON: the summary and every job with its exact fal input. */
export function planJson(plan: Plan): Record<string, unknown> {
  return { ...summarizePlan(plan), jobs: plan.jobs.map(jobJson) };
}

/**
 * Writes the same JSON as `planJson`, a job at a time, so a plan of 100,000 jobs never
 * stands in memory as one string. `more` adds fields to the head and to each job (what a run
 * into an output folder would do).
 */
export function writePlanJson(
  plan: Plan,
  write: (chunk: string) => void,
  more: {
    readonly head?: Readonly<Record<string, unknown>>;
    readonly job?: (job: Plan["jobs"][number]) => Readonly<Record<string, unknown>>;
  } = {},
): void {
  const head = JSON.stringify({ ...summarizePlan(plan), ...more.head }, null, 2);
  write(`${head.slice(0, -2)},\n  "jobs": [`);
  plan.jobs.forEach((job, i) => {
    write(`${i === 0 ? "\n" : ",\n"}    ${JSON.stringify({ ...jobJson(job), ...more.job?.(job) })}`);
  });
  write(plan.jobs.length > 0 ? "\n  ]\n}\n" : "]\n}\n");
}
