import { dirname, relative, resolve } from "node:path";
import type { ManifestIssue } from "../errors.js";
import { groupBroken, inlineRows, loadCsvRows } from "./load-rows.js";
import type { Locator } from "./locate.js";
import type { RawManifest } from "./schema.js";
import type { Located, Row, SkippedRow } from "./types.js";

/** A YAML manifest's rows, read. */
export interface ManifestRows {
  readonly rows: Row[];
  /** The rows file as messages name it, when rows come from a CSV. */
  readonly file: string | undefined;
  /** The folder image paths from the rows file resolve against. */
  readonly base: string | undefined;
  /** Records that could not be read, left out (`on_invalid_row: skip`). */
  readonly skipped: readonly SkippedRow[];
}

function toIssue(at: Located, message: string): ManifestIssue {
  return { file: at.file, line: at.line, column: at.column, field: at.field, message };
}

/** A path named from where the user stands, as the manifest is; absolute when outside. */
function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith("..") ? fromCwd : path;
}

/**
 * Reads the rows a manifest names: a CSV file (`rows: file.csv` or `{ file, delimiter, base }`,
 * relative to the manifest) or an inline list; one empty row without `rows`. Issues that leave
 * rows to expand go to `issues`; a file that cannot be read gives only its issues.
 */
export async function readManifestRows(
  raw: RawManifest,
  manifestFile: string,
  at: Locator,
  issues: ManifestIssue[],
): Promise<ManifestRows | { readonly failed: ManifestIssue[] }> {
  if (Array.isArray(raw.rows)) {
    const rows = inlineRows(raw.rows, (path) => at(path));
    if (rows.length === 0) issues.push(toIssue(at(["rows"]), "`rows` is empty"));
    return { rows, file: undefined, base: undefined, skipped: [] };
  }
  if (raw.rows === undefined)
    return {
      rows: [{ index: 1, vars: {}, at: at([]), cellAt: () => at([]) }],
      file: undefined,
      base: undefined,
      skipped: [],
    };
  const spec = typeof raw.rows === "string" ? { file: raw.rows } : raw.rows;
  const folder = dirname(manifestFile);
  const path = resolve(folder, spec.file);
  const file = displayPath(path);
  const where = typeof raw.rows === "string" ? at(["rows"]) : at(["rows", "file"]);
  const loaded = await loadCsvRows(path, file, where, { delimiter: spec.delimiter });
  if (!loaded.ok) return { failed: loaded.issues };
  if (loaded.broken.length > 0 && raw.on_invalid_row !== "skip")
    return { failed: groupBroken(loaded.broken) };
  if (loaded.rows.length === 0 && loaded.broken.length === 0)
    issues.push(toIssue(where, `${spec.file} has a header but no rows`));
  const base = spec.base === undefined ? dirname(path) : resolve(folder, spec.base);
  return { rows: loaded.rows, file, base, skipped: loaded.broken };
}
