import { readFile } from "node:fs/promises";
import { CsvError } from "csv-parse";
import { parse } from "csv-parse/sync";
import type { ManifestIssue } from "../errors.js";
import type { Located, Row } from "./types.js";

/** Rows or the issues found reading them. */
export type LoadedRows =
  | { readonly ok: true; readonly rows: Row[]; readonly columns: string[] }
  | { readonly ok: false; readonly issues: ManifestIssue[] };

function issue(at: Located, message: string): ManifestIssue {
  return { file: at.file, line: at.line, column: at.column, field: at.field, message };
}

/** A CSV row: its locations are made only when a message needs them. */
class CsvRow implements Row {
  constructor(
    readonly index: number,
    readonly vars: Readonly<Record<string, string>>,
    readonly line: number,
    readonly file: string,
    readonly columns: readonly string[],
  ) {}

  get at(): Located {
    return { file: this.file, line: this.line, column: 1, field: `row ${this.index}` };
  }

  cellAt(column: string): Located {
    return { file: this.file, line: this.line, column: this.columns.indexOf(column) + 1, field: column };
  }
}

/** Human text for csv-parse's errors, without the position it repeats. */
function csvMessage(error: CsvError): string {
  const text = error.message.replace(/\s+(on|at) line \d+.*$/, "").replace(/^[^:]+: /, "");
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quoted field is never closed";
    case "CSV_INVALID_CLOSING_QUOTE":
      return 'text after a closing quote; double a quote inside a quoted field ("")';
    case "CSV_RECORD_INCONSISTENT_COLUMNS":
      return `wrong number of fields: ${text}`;
    default:
      return text;
  }
}

/**
 * Parses CSV text into rows with `columns` from the header. Every broken record is reported
 * (file, line, column name), not only the first; a BOM and CRLF line ends are accepted.
 */
export function parseCsvRows(text: string, file: string): LoadedRows {
  const issues: ManifestIssue[] = [];
  let records: Record<string, string>[];
  const lines: number[] = [];
  let columns: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      on_record: (record: Record<string, string>, context: { lines: number }) => {
        lines.push(context.lines);
        return record;
      },
      skip_empty_lines: true,
      skip_records_with_error: true,
      columns: (header: string[]) => {
        columns = header.map((h) => h.trim());
        return columns;
      },
      on_skip: (error: CsvError | undefined) => {
        if (!error) return;
        const column = typeof error.column === "string" ? error.column : undefined;
        const index = column === undefined ? 0 : columns.indexOf(column);
        issues.push(
          issue(
            { file, line: Number(error.lines) || 1, column: index + 1, field: column ?? "" },
            `CSV: ${csvMessage(error)}`,
          ),
        );
      },
    }) as typeof records;
  } catch (error) {
    if (error instanceof CsvError)
      return {
        ok: false,
        issues: [
          issue({ file, line: Number(error.lines) || 1, column: 1, field: "" }, `CSV: ${csvMessage(error)}`),
        ],
      };
    throw error;
  }
  if (columns.length === 0)
    return { ok: false, issues: [issue({ file, line: 1, column: 1, field: "" }, "CSV: the file is empty")] };
  const seen = new Set<string>();
  for (const [i, c] of columns.entries()) {
    if (c === "")
      issues.push(issue({ file, line: 1, column: i + 1, field: "" }, `CSV: column ${i + 1} has no name`));
    else if (seen.has(c))
      issues.push(issue({ file, line: 1, column: i + 1, field: c }, `CSV: duplicate column \`${c}\``));
    seen.add(c);
  }
  if (issues.length > 0) return { ok: false, issues };
  const rows = records.map((record, i): Row => new CsvRow(i + 1, record, lines[i] ?? 0, file, columns));
  return { ok: true, rows, columns };
}

/** Reads a CSV rows file; a missing file is an issue at `at` (where the manifest names it). */
export async function loadCsvRows(path: string, displayFile: string, at: Located): Promise<LoadedRows> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      issues: [issue(at, code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path} (${code})`)],
    };
  }
  return parseCsvRows(text, displayFile);
}

/** Inline rows from YAML: scalars become strings; `locate` gives each row's place. */
export function inlineRows(
  raw: ReadonlyArray<Record<string, string | number | boolean>>,
  locate: (path: readonly PropertyKey[]) => Located,
): Row[] {
  return raw.map((obj, i) => ({
    index: i + 1,
    vars: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, String(v)])),
    at: locate(["rows", i]),
    cellAt: (column) => locate(["rows", i, column]),
  }));
}
