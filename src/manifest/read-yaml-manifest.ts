import { parseDocument } from "yaml";
import type { z } from "zod";
import { findEndpoint, modelNames } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import { createLocator, fieldName, LineCounter, type Locator } from "./locate.js";
import { outputSettings } from "./output-settings.js";
import { jobSchema, manifestSchema, type RawManifest, rowsFileSchema } from "./schema.js";
import { didYouMean, hintOrList } from "./suggest.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { Located, ReadResult } from "./types.js";
import { yamlSyntaxIssues } from "./yaml-errors.js";
import { JobBuilder } from "./yaml-jobs.js";
import { readManifestRows } from "./yaml-rows.js";

/** The default output path: each image named after its job. */
export const DEFAULT_OUTPUT_PATH = "{{job}}-{{n}}.{{ext}}";

function toIssue(at: Located, message: string): ManifestIssue {
  return { file: at.file, line: at.line, column: at.column, field: at.field, message };
}

/** Known keys of the object at a path, for "did you mean" on an unknown key. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(manifestSchema.shape);
  if (path[0] === "jobs" && path.length === 2) return Object.keys(jobSchema.shape);
  if (path[0] === "output" && path.length === 1)
    return Object.keys(manifestSchema.shape.output.unwrap().shape);
  if (path[0] === "rows" && path.length === 1) return Object.keys(rowsFileSchema.shape);
  if (path[0] === "sizes" && path.length === 2) return ["width", "height"];
  return [];
}

function schemaIssues(data: unknown, at: Locator): ManifestIssue[] {
  const parsed = manifestSchema.safeParse(data);
  if (parsed.success) return [];
  return zodIssues(parsed.error.issues, data, at);
}

function zodIssues(issues: readonly z.core.$ZodIssue[], data: unknown, at: Locator): ManifestIssue[] {
  return issues.flatMap((i): ManifestIssue[] => {
    const rows = (data as { rows?: unknown }).rows;
    if (i.code === "invalid_union" && i.path.length === 1 && i.path[0] === "rows") {
      // An object is meant as { file, … }: say what is wrong with it, not that no form fits.
      if (rows && typeof rows === "object" && !Array.isArray(rows)) {
        const inner = rowsFileSchema.safeParse(rows);
        if (!inner.success)
          return zodIssues(
            inner.error.issues.map((e) => ({ ...e, path: ["rows", ...e.path] })),
            data,
            at,
          );
      }
      return [toIssue(at(i.path), "expected a CSV file, { file, delimiter, base } or a list of rows")];
    }
    if (i.code === "unrecognized_keys")
      return i.keys.map((k) =>
        toIssue(at([...i.path, k], { key: true }), `unknown key \`${k}\`${didYouMean(k, knownKeys(i.path))}`),
      );
    if (i.code === "invalid_union" && i.path[0] === "sizes")
      return [toIssue(at(i.path), "expected an image_size name, WIDTHxHEIGHT or { width, height }")];
    if (i.code === "invalid_union" && i.path[0] === "concurrency")
      return [toIssue(at(i.path), "expected auto or a whole number from 1 to 200")];
    return [toIssue(at(i.path), i.message)];
  });
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

/** A YAML manifest's text → a Manifest without its images resolved, or every issue found. */
export async function readYamlManifest(
  file: string,
  displayFile: string,
  rawText: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ReadResult> {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return { ok: false, issues: yamlSyntaxIssues(doc.errors, text, displayFile, lineCounter) };
  const at = createLocator(displayFile, doc, lineCounter);
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // An alias (`*name`) with no anchor (`&name`) above it: the one error left for toJS.
    const alias = /alias.*?: (.+)$/.exec((error as Error).message)?.[1];
    const offset = alias === undefined ? -1 : text.indexOf(`*${alias}`);
    const p = lineCounter.linePos(Math.max(0, offset));
    return {
      ok: false,
      issues: [
        toIssue(
          { file: displayFile, line: p.line, column: p.col, field: "" },
          `YAML: \`*${alias ?? "?"}\` refers to an anchor \`&${alias ?? "?"}\` that is not set above it`,
        ),
      ],
    };
  }
  if (data === null || data === undefined || (typeof data === "string" && data.trim() === ""))
    return {
      ok: false,
      issues: [toIssue({ file: displayFile, line: 1, column: 1, field: "" }, "the manifest is empty")],
    };
  if (typeof data !== "object" || Array.isArray(data))
    return {
      ok: false,
      issues: [toIssue(at([]), "a manifest is a mapping of keys (name, model, prompts, …)")],
    };
  const shapeIssues = schemaIssues(data, at);
  if (shapeIssues.length > 0) return { ok: false, issues: shapeIssues };
  const raw = data as RawManifest;

  const issues: ManifestIssue[] = [];
  const warnings: string[] = [];
  const endpoint = findEndpoint(raw.model);
  if (!endpoint)
    return {
      ok: false,
      issues: [
        toIssue(
          at(["model"]),
          `unknown model \`${raw.model}\`${hintOrList(raw.model, modelNames(), "models")}`,
        ),
      ],
    };
  const prices: Record<string, number> = {};
  for (const [model, price] of Object.entries(raw.prices ?? {})) {
    const e = findEndpoint(model);
    if (e) prices[e.id] = price;
    else
      issues.push(
        toIssue(
          at(["prices", model], { key: true }),
          `unknown model \`${model}\`${didYouMean(model, modelNames())}`,
        ),
      );
  }

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
