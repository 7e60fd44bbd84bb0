/** Stable codes of the errors that end a command before or instead of a run. */
export type ErrorCode =
  | "MANIFEST_INVALID"
  | "USAGE"
  | "FAL_CREDENTIALS_MISSING"
  | "FAL_AUTH"
  | "OUTPUT_FAILED"
  /** The state folder cannot be trusted: a symlink in it, a damaged or forged journal line. */
  | "STATE_UNTRUSTED"
  | "LOCKED";

/** An expected failure: the CLI prints its one-line message and exits with its code. */
export class PipelineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PipelineError";
    this.code = code;
  }
}

/** One mistake in a manifest, located to the character. */
export interface ManifestIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted path of the field, e.g. `sizes.banner.width`; empty for the whole file. */
  readonly field: string;
  readonly message: string;
}

/** `file:line:column: field: message`, the one-line form of an issue. */
export function formatIssue(issue: ManifestIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.field ? `${where}: ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Issues a ManifestError's message lists; the rest are counted (a hostile file can make millions). */
const LISTED_ISSUES = 100;
/** Characters of one listed issue: a message may quote a value of any length. */
const ISSUE_CHARS = 1000;

function listIssues(sorted: readonly ManifestIssue[]): string {
  const lines = sorted
    .slice(0, LISTED_ISSUES)
    .map(formatIssue)
    .map((l) => (l.length > ISSUE_CHARS ? `${l.slice(0, ISSUE_CHARS)}…` : l));
  if (sorted.length > LISTED_ISSUES) lines.push(`… and ${sorted.length - LISTED_ISSUES} more issues`);
  return lines.join("\n");
}

/** A manifest that cannot run; carries every issue found, not only the first. */
export class ManifestError extends PipelineError {
  readonly issues: readonly ManifestIssue[];

  constructor(issues: readonly ManifestIssue[]) {
    // In file order, as an editor lists them.
    const sorted = [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
    super("MANIFEST_INVALID", listIssues(sorted));
    this.name = "ManifestError";
    this.issues = sorted;
  }
}
