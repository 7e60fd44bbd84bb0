import { basename, extname } from "node:path";
import {
  ENDPOINTS,
  type EndpointDefinition,
  findEndpoint,
  type InputKind,
  modelNames,
} from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import { groupBroken, parseCsvRows } from "./load-rows.js";
import { outputSettings } from "./output-settings.js";
import { DEFAULT_OUTPUT_PATH } from "./read-yaml-manifest.js";
import { checkSize, sizeValue } from "./sizes.js";
import { closest, didYouMean } from "./suggest.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { JobTemplate, Located, ReadResult, TemplateField } from "./types.js";

/** What a standalone CSV cannot say for itself. */
export interface CsvManifestOptions {
  /** Model for rows without a `model` cell. */
  readonly model?: string;
  /** Pipeline name (output folder); default: the file's name. */
  readonly name?: string;
}

const OWN_COLUMNS = ["id", "prompt", "image_urls", "image_size", "model"];

function issue(at: Located, message: string): ManifestIssue {
  return { file: at.file, line: at.line, column: at.column, field: at.field, message };
}

/** A cell's text as the input kind wants it, or an error message. */
function typed(kind: InputKind, text: string): { value: unknown } | { error: string } {
  switch (kind.type) {
    case "integer":
      return /^-?\d+$/.test(text)
        ? { value: Number(text) }
        : { error: `expected a whole number, got \`${text}\`` };
    case "boolean": {
      const t = text.toLowerCase();
      if (t === "true" || t === "1" || t === "yes") return { value: true };
      if (t === "false" || t === "0" || t === "no") return { value: false };
      return { error: `expected true or false, got \`${text}\`` };
    }
    case "enum":
      return kind.values.includes(text)
        ? { value: text }
        : { error: `expected one of ${kind.values.join(", ")}, got \`${text}\`` };
    default:
      return { value: text };
  }
}

/**
 * A standalone CSV manifest: one job per row, with columns `id, prompt, image_urls` (several
 * separated by `|`), `image_size` (an enum or WIDTHxHEIGHT), `model`, and any endpoint input
 * (`num_images`, `seed`, …). Model and name may come from options.
 */
export function readCsvManifest(
  file: string,
  displayFile: string,
  text: string,
  options: CsvManifestOptions,
  env: Readonly<Record<string, string | undefined>>,
): ReadResult {
  const loaded = parseCsvRows(text, displayFile);
  if (!loaded.ok) return { ok: false, issues: loaded.issues };
  if (loaded.broken.length > 0) return { ok: false, issues: groupBroken(loaded.broken) };
  const issues: ManifestIssue[] = [];
  const warnings: string[] = [];
  const inputColumns = new Set(ENDPOINTS.flatMap((e) => Object.keys(e.inputs)));
  const known = [...new Set([...OWN_COLUMNS, ...inputColumns])];
  const missing = ["prompt", "image_urls"].filter((c) => !loaded.columns.includes(c));
  const unknown = loaded.columns.filter((c) => !known.includes(c));
  for (const [i, column] of loaded.columns.entries()) {
    if (known.includes(column)) continue;
    const meant = closest(column, known);
    // A misspelt required column is one mistake: said once, where it is.
    const required = meant !== undefined && missing.includes(meant) ? ` (\`${meant}\` is required)` : "";
    issues.push(
      issue(
        { file: displayFile, line: 1, column: i + 1, field: column },
        `unknown column \`${column}\`${meant === undefined ? "" : `, did you mean \`${meant}\`?`}${required}`,
      ),
    );
  }
  for (const required of missing)
    if (!unknown.some((c) => closest(c, known) === required))
      issues.push(
        issue(
          { file: displayFile, line: 1, column: 1, field: "" },
          `missing column \`${required}\`; the header has ${loaded.columns.map((c) => `\`${c}\``).join(", ")}`,
        ),
      );
  let fallback: EndpointDefinition | undefined;
  if (options.model !== undefined) {
    fallback = findEndpoint(options.model);
    if (!fallback)
      issues.push(
        issue(
          { file: displayFile, line: 1, column: 1, field: "--model" },
          `unknown model \`${options.model}\`${didYouMean(options.model, modelNames())}`,
        ),
      );
  } else if (!loaded.columns.includes("model"))
    issues.push(
      issue(
        { file: displayFile, line: 1, column: 1, field: "" },
        "no model: pass --model or add a `model` column",
      ),
    );
  if (issues.length > 0) return { ok: false, issues };

  const name =
    options.name ??
    basename(file, extname(file))
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "") ??
    "pipeline";
  const envValues: Record<string, string> = {};
  const jobs: JobTemplate[] = [];
  const field = (text: string, at: Located): TemplateField | undefined => {
    const t = compileTemplate(text);
    if (isTemplateError(t)) {
      issues.push(issue(at, t.message));
      return undefined;
    }
    for (const v of t.variables) {
      if (!v.startsWith("env."))
        issues.push(issue(at, `\`{{${v}}}\`: a standalone CSV has no variables but {{env.NAME}}`));
      else if (env[v.slice(4)] !== undefined) envValues[v.slice(4)] = env[v.slice(4)] as string;
    }
    return { template: t, at };
  };
  for (const row of loaded.rows) {
    const cell = (c: string) => (row.vars[c] ?? "").trim();
    const modelText = cell("model");
    const endpoint = modelText ? findEndpoint(modelText) : fallback;
    if (!endpoint) {
      issues.push(
        issue(row.cellAt("model"), `unknown model \`${modelText}\`${didYouMean(modelText, modelNames())}`),
      );
      continue;
    }
    const idText = cell("id") || `row${row.index}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(idText)) {
      issues.push(
        issue(row.cellAt("id"), `job id \`${idText}\` may only hold letters, digits, '.', '_' and '-'`),
      );
      continue;
    }
    const promptText = cell("prompt");
    if (!promptText) issues.push(issue(row.cellAt("prompt"), "empty prompt"));
    const sources = cell("image_urls")
      .split("|")
      .map((s) => s.trim())
      .filter(Boolean);
    if (sources.length === 0)
      issues.push(issue(row.cellAt("image_urls"), "no input images: an edit needs at least one"));
    const sizeText = cell("image_size") || endpoint.defaultImageSize;
    const size = sizeValue(sizeText);
    const sizeCheck = checkSize(endpoint, size);
    if (sizeCheck.error) issues.push(issue(row.cellAt("image_size"), sizeCheck.error));
    if (sizeCheck.warning) warnings.push(`${displayFile}:${row.at.line}: image_size: ${sizeCheck.warning}`);
    const input: Record<string, unknown> = {};
    const inputAt: Record<string, Located> = {};
    for (const column of loaded.columns) {
      if (OWN_COLUMNS.includes(column) || cell(column) === "") continue;
      const kind = endpoint.inputs[column];
      if (!kind) {
        issues.push(issue(row.cellAt(column), `\`${column}\` is not an input of ${endpoint.model}`));
        continue;
      }
      const v = typed(kind, cell(column));
      if ("error" in v) issues.push(issue(row.cellAt(column), v.error));
      else {
        input[column] = v.value;
        inputAt[column] = row.cellAt(column);
      }
    }
    const prompt = field(promptText || " ", row.cellAt("prompt"));
    const id = field(idText, row.cellAt("id"));
    const images = sources.flatMap((s) => {
      const f = field(s, row.cellAt("image_urls"));
      return f ? [{ kind: "literal" as const, source: f }] : [];
    });
    if (!prompt || !id || !promptText || images.length === 0) continue;
    jobs.push({
      index: row.index - 1,
      at: row.at,
      id,
      idNamesSize: true,
      idNamesSeed: true,
      endpoint,
      promptName: "csv",
      prompt,
      images,
      sizes: [{ name: typeof size === "string" ? size : `${size.width}x${size.height}`, value: size }],
      seeds: undefined,
      when: {},
      whenAt: undefined,
      input,
      inputAt,
      imagesAt: row.cellAt("image_urls"),
    });
  }
  if (issues.length > 0) return { ok: false, issues };
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
      endpoint: fallback ?? jobs[0]?.endpoint ?? (ENDPOINTS[0] as EndpointDefinition),
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
      env: envValues,
      onInvalidRow: "fail",
      warnings,
    },
  };
}
