import { type EndpointResolver, shippedResolver } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import { envRefusal, secretRefusal } from "./env-access.js";
import { fieldName, type Locator } from "./locate.js";
import { ManifestModels } from "./models.js";
import { outputSettings } from "./output-settings.js";
import type { RawManifest } from "./schema.js";
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

type Path = readonly PropertyKey[];

/** Every string of the manifest but the rows' values (data, not templates), with its path. */
function* allStrings(value: unknown, path: Path = []): Iterable<[Path, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* allStrings(v, [...path, i]);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value))
      if (path.length > 0 || (k !== "rows" && k !== "env")) yield* allStrings(v, [...path, k]);
}

/**
 * The values of the environment variables the templates name, read once; a name the manifest
 * may not read is an issue where it is used (credentials are refused when the template compiles).
 */
function readEnv(
  raw: RawManifest,
  env: Readonly<Record<string, string | undefined>>,
  at: Locator,
  issues: ManifestIssue[],
): Record<string, string> {
  const declared = raw.env ?? [];
  for (const [i, name] of declared.entries()) {
    const secret = secretRefusal(name);
    if (secret) issues.push(toIssue(at(["env", i]), secret));
  }
  const values: Record<string, string> = {};
  for (const [path, text] of allStrings(raw)) {
    const t = compileTemplate(text);
    if (isTemplateError(t)) continue;
    for (const v of t.variables) {
      if (!v.startsWith("env.")) continue;
      const name = v.slice(4);
      const refusal = envRefusal(name, declared);
      if (refusal) {
        issues.push(toIssue(at(path), `\`{{${v}}}\`: ${refusal}`));
        // Blank, not absent: the manifest already fails here, not also as "not set" later.
        values[name] = "";
      } else if (env[name] !== undefined) values[name] = env[name];
    }
  }
  return values;
}

/** Prices by endpoint id; an unknown model is an issue. */
function pricesOf(
  raw: RawManifest,
  at: Locator,
  models: ManifestModels,
  issues: ManifestIssue[],
): Record<string, number> {
  const prices: Record<string, number> = {};
  for (const [model, price] of Object.entries(raw.prices ?? {})) {
    const e = models.find(model);
    if (e) prices[e.id] = price;
    else issues.push(toIssue(at(["prices", model], { key: true }), models.unknown(model)));
  }
  return prices;
}

/** Every model name a raw manifest uses: its own, its jobs', and the keys of `prices`. */
function namesIn(raw: RawManifest): string[] {
  return [
    raw.model,
    ...(raw.jobs ?? []).flatMap((j) => (j.model ? [j.model] : [])),
    ...Object.keys(raw.prices ?? {}),
  ];
}

// Long only by the Manifest it assembles at the end; each check before it is one call.
/** A YAML manifest's text → a Manifest without its images resolved, or every issue found. */
export async function readYamlManifest(
  file: string,
  displayFile: string,
  rawText: string,
  env: Readonly<Record<string, string | undefined>>,
  resolver: EndpointResolver = shippedResolver,
): Promise<ReadResult> {
  const parsed = parseYamlManifest(rawText, displayFile);
  if ("issues" in parsed) return { ok: false, issues: parsed.issues };
  const { raw, at } = parsed;

  const issues: ManifestIssue[] = [];
  const models = new ManifestModels(await resolver(namesIn(raw), raw.name));
  const warnings: string[] = [...models.resolved.warnings];
  const endpoint = models.find(raw.model);
  if (!endpoint) return { ok: false, issues: [toIssue(at(["model"]), models.unknown(raw.model))] };
  const prices = pricesOf(raw, at, models, issues);

  const read = await readManifestRows(raw, file, at, issues);
  if ("failed" in read) return { ok: false, issues: [...issues, ...read.failed] };

  const findings = {
    error: (where: Located, message: string) => issues.push(toIssue(where, message)),
    warn: (message: string) => warnings.push(message),
  };
  const builder = new JobBuilder(raw, endpoint, models, at, findings, raw.rows !== undefined);
  const jobs = builder.all();
  const outputPath = builder.template(
    raw.output?.path ?? DEFAULT_OUTPUT_PATH,
    raw.output?.path ? ["output", "path"] : ["name"],
  );
  const envValues = readEnv(raw, env, at, issues);
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
