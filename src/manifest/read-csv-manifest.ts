import { basename, extname } from "node:path";
import { type EndpointDefinition, type EndpointResolver, shippedResolver } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import { checkCsvHeader } from "./csv-header.js";
import { CsvJobBuilder } from "./csv-jobs.js";
import { groupBroken, parseCsvRows } from "./load-rows.js";
import { ManifestModels } from "./models.js";
import { outputSettings } from "./output-settings.js";
import { DEFAULT_OUTPUT_PATH } from "./read-yaml-manifest.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { JobTemplate, ReadResult } from "./types.js";

/** What a standalone CSV cannot say for itself. */
export interface CsvManifestOptions {
  /** Model for rows without a `model` cell. */
  readonly model?: string;
  /** Pipeline name (output folder); default: the file's name. */
  readonly name?: string;
}

/**
 * A standalone CSV manifest: one job per row, with columns `id, prompt, image_urls` (several
 * separated by `|`), `image_size` (an enum or WIDTHxHEIGHT), `model`, and any endpoint input
 * (`num_images`, `seed`, …). Model and name may come from options.
 */
export async function readCsvManifest(
  file: string,
  displayFile: string,
  text: string,
  options: CsvManifestOptions,
  env: Readonly<Record<string, string | undefined>>,
  resolver: EndpointResolver = shippedResolver,
): Promise<ReadResult> {
  const loaded = parseCsvRows(text, displayFile);
  if (!loaded.ok) return { ok: false, issues: loaded.issues };
  if (loaded.broken.length > 0) return { ok: false, issues: groupBroken(loaded.broken) };
  const name =
    options.name ??
    basename(file, extname(file))
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "");
  const names = new Set<string>(options.model === undefined ? [] : [options.model]);
  for (const row of loaded.rows) {
    const model = row.vars.model?.trim();
    if (model) names.add(model);
  }
  const models = new ManifestModels(await resolver([...names], name || "pipeline"));
  const headerIssues: ManifestIssue[] = [];
  const fallback = checkCsvHeader(loaded.columns, displayFile, options.model, models, headerIssues);
  if (headerIssues.length > 0) return { ok: false, issues: headerIssues };
  const builder = new CsvJobBuilder(displayFile, loaded.columns, fallback, models, env);
  const jobs: JobTemplate[] = loaded.rows.flatMap((row) => builder.build(row) ?? []);
  if (builder.issues.length > 0) return { ok: false, issues: builder.issues };

  const start = { file: displayFile, line: 1, column: 1, field: "" };
  const outputTemplate = compileTemplate(DEFAULT_OUTPUT_PATH);
  if (isTemplateError(outputTemplate)) throw new Error("default output path does not compile");
  return {
    ok: true,
    issues: [],
    skipped: [],
    manifest: {
      file,
      displayFile,
      name: name || "pipeline",
      format: "csv",
      endpoint: fallback ?? jobs[0]?.endpoint ?? (models.all()[0] as EndpointDefinition),
      jobs,
      rows: [{ index: 1, vars: {}, at: start, cellAt: () => start }],
      rowsFile: undefined,
      rowsBase: undefined,
      outputPath: { template: outputTemplate, at: { ...start, field: "output path" } },
      output: outputSettings(
        undefined,
        DEFAULT_OUTPUT_PATH,
        [],
        () => start,
        () => undefined,
      ),
      prices: {},
      concurrency: undefined,
      maxCostUsd: undefined,
      env: builder.env,
      onInvalidRow: "fail",
      warnings: [...models.resolved.warnings, ...builder.warnings],
    },
  };
}
