import { CsvError } from "csv-parse";
import { parse } from "csv-parse/sync";
import type { ManifestIssue } from "../errors.js";
import { type Delimiter, delimiterName, detectDelimiter, unclosedQuote } from "./csv-text.js";
import { LIMITS } from "./limits.js";
import { readRegularFile } from "./read-bounded.js";
import type { Located, Row, SkippedRow } from "./types.js";

/** Rows (and the records that could not be read), or the issues that stop the file. */
export type LoadedRows =
  | {
      readonly ok: true;
      readonly rows: Row[];
      readonly columns: string[];
      /** Records that could not be read (a wrong number of fields, a stray quote), each with why. */
      readonly broken: SkippedRow[];
    }
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
function csvMessage(error: CsvError, delimiter: Delimiter): string {
  const text = error.message.replace(/\s+(on|at) line \d+.*$/, "").replace(/^[^:]+: /, "");
  // csv-parse gives this one code without the CSV_ prefix (and outside its types).
  switch (String(error.code)) {
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quoted field is never closed";
    case "CSV_INVALID_CLOSING_QUOTE":
      return `text after a closing quote; double a quote inside a quoted field (""), or check the field separator (${delimiterName(delimiter)})`;
    case "INVALID_OPENING_QUOTE":
      return `a quote inside an unquoted field: quote the whole field, or check the field separator (${delimiterName(delimiter)})`;
    case "CSV_RECORD_INCONSISTENT_COLUMNS":
      return `wrong number of fields: ${text}`;
    default:
      return text;
  }
}

/** The issue of an unclosed quote, placed where the quote opens (the reader only sees the end). */
function unclosed(
  text: string,
  file: string,
  delimiter: Delimiter,
  columns: readonly string[],
): ManifestIssue {
  const open = unclosedQuote(text, delimiter);
  const field = open && open.line > 1 ? (columns[open.field - 1] ?? "") : "";
  return issue(
    { file, line: open?.line ?? 1, column: open?.field ?? 1, field },
    "CSV: a quoted field opens here and is never closed",
  );
}

/**
 * Several records broken the same way are one cause: the first is reported, with the lines of
 * the others (a wrong separator must not print one error per line).
 */
export function groupBroken(broken: readonly SkippedRow[]): ManifestIssue[] {
  const byMessage = new Map<string, { first: ManifestIssue; lines: number[] }>();
  for (const b of broken)
    for (const i of b.issues) {
      const group = byMessage.get(i.message);
      if (group) group.lines.push(i.line);
      else byMessage.set(i.message, { first: i, lines: [] });
    }
  return [...byMessage.values()].map(({ first, lines }) => {
    if (lines.length === 0) return first;
    const shown = lines.length > 5 ? `${lines.slice(0, 5).join(", ")}, …` : lines.join(", ");
    return { ...first, message: `${first.message} (and ${lines.length} more lines like it: ${shown})` };
  });
}

/** How to read a rows file. */
export interface CsvOptions {
  /** The field separator; found from the header line when not given. */
  readonly delimiter?: Delimiter | undefined;
}

/** Quote errors leave the reader unsure where the next records start (it may swallow some). */
const QUOTE_ERRORS = new Set(["CSV_INVALID_CLOSING_QUOTE", "INVALID_OPENING_QUOTE", "CSV_QUOTE_NOT_CLOSED"]);

interface Records {
  columns: string[];
  kept: { index: number; line: number; record: Record<string, string> }[];
  /** Records that could not be read, each once (a record may trip the reader several times). */
  broken: SkippedRow[];
  /** Whether a quote error was met: then `broken` is not known to be all that was lost. */
  quoting: boolean;
  unclosed: boolean;
}

/** A limit of LIMITS passed: the file stops there, with this message (the reader cannot go on). */
class CsvLimitError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Runs csv-parse over the text, numbering kept and broken records alike, so row numbers hold. */
function readRecords(text: string, file: string, delimiter: Delimiter): Records {
  const r: Records = { columns: [], kept: [], broken: [], quoting: false, unclosed: false };
  let count = 0;
  parse(text, {
    bom: true,
    delimiter,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Bounds the reader's buffers: a 200 MB cell is one error, not 1 GB of memory.
    max_record_size: LIMITS.csvRecordChars,
    columns: (header: string[]) => {
      if (header.length > LIMITS.csvColumns)
        throw new CsvLimitError(
          `CSV: the header has ${header.length} columns; at most ${LIMITS.csvColumns} are read (check the field separator)`,
          1,
        );
      r.columns = header.map((h) => h.trim());
      return r.columns;
    },
    on_record: (record: Record<string, string>, context: { lines: number }) => {
      count += 1;
      r.kept.push({ index: count, line: context.lines, record });
      return null;
    },
    on_skip: (error: CsvError | undefined) => {
      if (!error) return;
      // csv-parse drops every record after this one: the file cannot be read on.
      if (error.code === "CSV_MAX_RECORD_SIZE")
        throw new CsvLimitError(
          `CSV: a record is over ${LIMITS.csvRecordChars} characters (is a quote left open, or a cell pasted by mistake?)`,
          Number(error.lines) || 1,
        );
      if (QUOTE_ERRORS.has(String(error.code))) r.quoting = true;
      if (error.code === "CSV_QUOTE_NOT_CLOSED") {
        r.unclosed = true;
        return;
      }
      const line = Number(error.lines) || 1;
      if (r.broken[r.broken.length - 1]?.at.line === line) return;
      count += 1;
      const column = typeof error.column === "string" ? error.column : undefined;
      const index = column === undefined ? -1 : r.columns.indexOf(column);
      const at = { file, line, column: index + 1 || 1, field: index >= 0 ? (column ?? "") : "" };
      r.broken.push({
        row: count,
        at: { ...at, column: 1, field: `row ${count}` },
        issues: [issue(at, `CSV: ${csvMessage(error, delimiter)}`)],
      });
    },
  });
  return r;
}

/**
 * Parses CSV text into rows with `columns` from the header. The separator is found from the
 * header line unless given. A record with the wrong number of fields is returned apart (with
 * its row number, so later rows keep theirs); a quote error stops the file, as the reader
 * cannot say which records it swallowed. A BOM and CRLF line ends are accepted.
 */
export function parseCsvRows(text: string, file: string, options: CsvOptions = {}): LoadedRows {
  const delimiter = options.delimiter ?? detectDelimiter(text);
  let records: Records;
  try {
    records = readRecords(text, file, delimiter);
  } catch (error) {
    if (error instanceof CsvLimitError)
      return { ok: false, issues: [issue({ file, line: error.line, column: 1, field: "" }, error.message)] };
    if (!(error instanceof CsvError)) throw error;
    if (error.code === "CSV_QUOTE_NOT_CLOSED")
      return { ok: false, issues: [unclosed(text, file, delimiter, [])] };
    const at = { file, line: Number(error.lines) || 1, column: 1, field: "" };
    return { ok: false, issues: [issue(at, `CSV: ${csvMessage(error, delimiter)}`)] };
  }
  const { columns, kept, broken } = records;
  const detected = detectDelimiter(text);
  if ((broken.length > 0 || records.quoting) && detected !== delimiter)
    // Every record broken by a separator the file does not use is one mistake, not one per line.
    return {
      ok: false,
      issues: [
        issue(
          { file, line: 1, column: 1, field: "" },
          `CSV: the header is separated by ${delimiterName(detected)}, but \`rows.delimiter\` says ${delimiterName(delimiter)}: leave it out to use the file's`,
        ),
      ],
    };
  // An unclosed quote the text really has is the cause; one the reader met after other quote
  // errors is their echo.
  if (records.unclosed && (unclosedQuote(text, delimiter) !== undefined || broken.length === 0))
    return { ok: false, issues: [unclosed(text, file, delimiter, columns)] };
  if (records.quoting) return { ok: false, issues: groupBroken(broken) };
  if (columns.length === 0)
    return { ok: false, issues: [issue({ file, line: 1, column: 1, field: "" }, "CSV: the file is empty")] };
  const issues: ManifestIssue[] = [];
  const seen = new Set<string>();
  for (const [i, c] of columns.entries()) {
    if (c === "")
      issues.push(issue({ file, line: 1, column: i + 1, field: "" }, `CSV: column ${i + 1} has no name`));
    else if (seen.has(c))
      issues.push(issue({ file, line: 1, column: i + 1, field: c }, `CSV: duplicate column \`${c}\``));
    seen.add(c);
  }
  if (issues.length > 0) return { ok: false, issues };
  const rows = kept.map((k): Row => new CsvRow(k.index, k.record, k.line, file, columns));
  return { ok: true, rows, columns, broken };
}

/** Reads a CSV rows file; a missing file is an issue at `at` (where the manifest names it). */
export async function loadCsvRows(
  path: string,
  displayFile: string,
  at: Located,
  options: CsvOptions = {},
): Promise<LoadedRows> {
  const read = await readRegularFile(path, LIMITS.csvBytes);
  if ("refused" in read) return { ok: false, issues: [issue(at, read.refused)] };
  const text = read.bytes.toString("utf8");
  return parseCsvRows(text, displayFile, options);
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
