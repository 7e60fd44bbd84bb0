import { findEndpoint, modelNames } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import { fieldName, type Locator } from "./locate.js";
import { outputSettings } from "./output-settings.js";
import type { RawManifest } from "./schema.js";
import { unknownModel } from "./suggest.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { Located, ReadResult } from "./types.js";
import { parseYamlManifest } from "./yaml-document.js";
import { JobBuilder } from "./yaml-jobs.js";
import { readManifestRows } from "./yaml-rows.js";

/** The default output path: each image named after its job. */
export const DEFAULT_OUTPUT_PATH = "{{job}}-{{n}}.{{ext}}";

function toIssue(at: Located, message: string): ManifestIssue {
  return { file: at.file, line: at.line, column: at.column, field: at.field, message };
}

/** The environment variables every template of the manifest names. */
function envNames(texts: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const text of texts) {
    const t = compileTemplate(text);
    if (!isTemplateError(t)) for (const v of t.variables) if (v.startsWith("env.")) names.add(v.slice(4));
  }
  return [...names];
}

function* allStrings(value: unknown): Iterable<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const v of value) yield* allStrings(v);
  else if (value && typeof value === "object") for (const v of Object.values(value)) yield* allStrings(v);
}

/** Prices by endpoint id; an unknown model is an issue. */
function pricesOf(raw: RawManifest, at: Locator, issues: ManifestIssue[]): Record<string, number> {
  const prices: Record<string, number> = {};
  for (const [model, price] of Object.entries(raw.prices ?? {})) {
    const e = findEndpoint(model);
    if (e) prices[e.id] = price;
    else issues.push(toIssue(at(["prices", model], { key: true }), unknownModel(model, modelNames())));
  }
  return prices;
}

// Long only by the Manifest it assembles at the end; each check before it is one call.
/** A YAML manifest's text → a Manifest without its images resolved, or every issue found. */
export async function readYamlManifest(
  file: string,
  displayFile: string,
  rawText: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ReadResult> {
  const parsed = parseYamlManifest(rawText, displayFile);
  if ("issues" in parsed) return { ok: false, issues: parsed.issues };
  const { raw, at } = parsed;

  const issues: ManifestIssue[] = [];
  const warnings: string[] = [];
  const endpoint = findEndpoint(raw.model);
  if (!endpoint)
    return {
      ok: false,
      issues: [toIssue(at(["model"]), unknownModel(raw.model, modelNames()))],
    };
  const prices = pricesOf(raw, at, issues);

  const read = await readManifestRows(raw, file, at, issues);
  if ("failed" in read) return { ok: false, issues: [...issues, ...read.failed] };

  const findings = {
    error: (where: Located, message: string) => issues.push(toIssue(where, message)),
    warn: (message: string) => warnings.push(message),
  };
  const builder = new JobBuilder(raw, endpoint, at, findings, raw.rows !== undefined);
  const jobs = builder.all();
  const outputPath = builder.template(
    raw.output?.path ?? DEFAULT_OUTPUT_PATH,
    raw.output?.path ? ["output", "path"] : ["name"],
  );
  const envValues: Record<string, string> = {};
  for (const name of envNames(allStrings(raw))) {
    const value = env[name];
    if (value !== undefined) envValues[name] = value;
  }
  if (!outputPath) return { ok: false, issues };
  // Template-level issues do not stop here: the jobs that could be built are still expanded,
  // so every mistake is reported at once.
  return {
    ok: true,
    issues,
    skipped: read.skipped,
    manifest: {
      file,
      displayFile,
      name: raw.name,
      format: "yaml",
      endpoint,
      jobs,
      rows: read.rows,
      rowsFile: read.file,
      rowsBase: read.base,
      outputPath: { ...outputPath, at: { ...outputPath.at, field: fieldName(["output", "path"]) } },
      output: outputSettings(
        raw.output,
        raw.output?.path ?? DEFAULT_OUTPUT_PATH,
        [...new Set(jobs.flatMap((j) => j.sizes.map((v) => v.name)))],
        at,
        findings.error,
      ),
      prices,
      concurrency: raw.concurrency,
      maxCostUsd: raw.max_cost_usd,
      env: envValues,
      onInvalidRow: raw.on_invalid_row ?? "fail",
      warnings,
    },
  };
}
