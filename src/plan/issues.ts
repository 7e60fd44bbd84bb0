import type { ManifestIssue } from "../errors.js";
import type { Located } from "../manifest/types.js";

/** How many issues are printed; a template error over 100,000 rows must not print 100,000 lines. */
const CAP = 100;

interface Entry {
  readonly issue: ManifestIssue;
  /** The data row the issue comes from, when it is the row's own (a value), not the manifest's. */
  readonly row: number | undefined;
}

/** Caps a list of issues, with a last line counting the ones left out. */
export function capIssues(issues: readonly ManifestIssue[]): ManifestIssue[] {
  if (issues.length <= CAP) return [...issues];
  const kept = issues.slice(0, CAP);
  const last = kept[kept.length - 1] as ManifestIssue;
  return [...kept, { ...last, field: "", message: `… and ${issues.length - CAP} more issues` }];
}

/**
 * Collects issues once each. An issue may belong to a data row (a bad value in it): with
 * `on_invalid_row: skip` those rows are skipped and the rest runs, so they are kept apart.
 */
export class IssueList {
  readonly #seen = new Set<string>();
  readonly #entries: Entry[] = [];
  readonly #byRow = new Map<number, ManifestIssue[]>();

  add(at: Located, message: string, field = at.field, row?: number): void {
    const issue = { file: at.file, line: at.line, column: at.column, field, message };
    if (row !== undefined) {
      const list = this.#byRow.get(row);
      if (list) list.push(issue);
      else this.#byRow.set(row, [issue]);
    }
    const id = `${issue.file}:${issue.line}:${issue.column}:${field}:${message}`;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.#entries.push({ issue, row });
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Every issue, capped. */
  all(): ManifestIssue[] {
    return capIssues(this.#entries.map((e) => e.issue));
  }

  /** The issues of the manifest itself (not of one row's values), capped. */
  general(): ManifestIssue[] {
    return capIssues(this.#entries.filter((e) => e.row === undefined).map((e) => e.issue));
  }

  /** The issues of each data row, by row number. */
  byRow(): ReadonlyMap<number, readonly ManifestIssue[]> {
    return this.#byRow;
  }
}
