import type { ManifestIssue } from "../errors.js";
import type { Located } from "../manifest/types.js";

/** How many issues are kept; a template error over 100,000 rows must not print 100,000 lines. */
const CAP = 100;

/** Collects issues once each, up to a cap, and counts what the cap left out. */
export class IssueList {
  readonly #seen = new Set<string>();
  readonly issues: ManifestIssue[] = [];
  dropped = 0;

  add(at: Located, message: string, field = at.field): void {
    const issue = { file: at.file, line: at.line, column: at.column, field, message };
    const id = `${issue.file}:${issue.line}:${issue.column}:${field}:${message}`;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    if (this.issues.length >= CAP) {
      this.dropped += 1;
      return;
    }
    this.issues.push(issue);
  }

  /** The issues, with a last line counting the ones left out. */
  all(): ManifestIssue[] {
    if (this.dropped === 0 || this.issues.length === 0) return this.issues;
    const last = this.issues[this.issues.length - 1] as ManifestIssue;
    return [...this.issues, { ...last, field: "", message: `… and ${this.dropped} more issues` }];
  }
}
