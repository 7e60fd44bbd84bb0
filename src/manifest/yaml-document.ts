import { parseDocument } from "yaml";
import type { z } from "zod";
import type { ManifestIssue } from "../errors.js";
import { createLocator, LineCounter, type Locator } from "./locate.js";
import { jobSchema, manifestSchema, type RawManifest, rowsFileSchema } from "./schema.js";
import { schemaMessage, valueAt } from "./schema-wording.js";
import { didYouMean } from "./suggest.js";
import type { Located } from "./types.js";
import { yamlSyntaxIssues } from "./yaml-errors.js";

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

/** The text where a located value starts. */
type Source = (at: Located) => string;

function schemaIssues(data: unknown, at: Locator, source: Source): ManifestIssue[] {
  const parsed = manifestSchema.safeParse(data);
  if (parsed.success) return [];
  return zodIssues(parsed.error.issues, data, at, source);
}

function zodIssues(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  at: Locator,
  source: Source,
): ManifestIssue[] {
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
            source,
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
    const where = at(i.path);
    return [toIssue(where, schemaMessage(i, valueAt(data, i.path), source(where)))];
  });
}

/**
 * A YAML manifest's text → its raw content, checked against the schema, with a locator for
 * messages; or the issues of its syntax and shape (one per line, in the author's terms).
 */
export function parseYamlManifest(
  rawText: string,
  displayFile: string,
): { readonly raw: RawManifest; readonly at: Locator } | { readonly issues: ManifestIssue[] } {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { issues: yamlSyntaxIssues(doc.errors, text, displayFile, lineCounter) };
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
      issues: [toIssue({ file: displayFile, line: 1, column: 1, field: "" }, "the manifest is empty")],
    };
  if (typeof data !== "object" || Array.isArray(data))
    return {
      issues: [toIssue(at([]), "a manifest is a mapping of keys (name, model, prompts, …)")],
    };
  const lines = text.split("\n");
  const source = (where: Located) => (lines[where.line - 1] ?? "").slice(where.column - 1);
  const shapeIssues = schemaIssues(data, at, source);
  if (shapeIssues.length > 0) return { issues: shapeIssues };
  return { raw: data as RawManifest, at };
}
