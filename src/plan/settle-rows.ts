import { formatIssue, type ManifestIssue } from "../errors.js";
import type { Manifest } from "../manifest/types.js";
import type { Expansion, JobDraft } from "./draft.js";
import type { SkippedRow } from "./types.js";

/** What the stages found, for `settleRows`. */
export interface StageFindings {
  readonly manifest: Manifest;
  /** Issues of reading (not tied to a row). */
  readonly readIssues: readonly ManifestIssue[];
  /** Rows the reader already left out (records of the rows file it could not read). */
  readonly readSkipped: readonly SkippedRow[];
  readonly expansion: Expansion;
  /** Local images that could not be resolved: the issue, by image key, in order of first use. */
  readonly imageFailures: ReadonlyMap<string, ManifestIssue>;
}

/** The valid drafts and the rows left out, or the issues that stop the manifest. */
export type Settled =
  | { readonly ok: true; readonly drafts: readonly JobDraft[]; readonly skipped: readonly SkippedRow[] }
  | { readonly ok: false; readonly issues: readonly ManifestIssue[] };

function skippedRows(findings: StageFindings): Map<number, ManifestIssue[]> {
  const rows = new Map<number, ManifestIssue[]>();
  for (const [row, issues] of findings.expansion.issues.byRow()) rows.set(row, [...issues]);
  for (const draft of findings.expansion.drafts)
    for (const key of draft.imageKeys) {
      const failure = findings.imageFailures.get(key);
      if (!failure) continue;
      const list = rows.get(draft.row.index) ?? [];
      if (!list.includes(failure)) list.push(failure);
      rows.set(draft.row.index, list);
    }
  return rows;
}

/**
 * Decides what goes on after reading, expanding and resolving: with `on_invalid_row: fail` (the
 * default) any issue stops the manifest; with `skip` only the manifest's own issues do, and a row
 * with a bad value (a missing image, an empty cell a template needs, …) is left out with its
 * issues, the rest planned. Pure.
 */
export function settleRows(findings: StageFindings): Settled {
  const { manifest, readIssues, expansion, imageFailures } = findings;
  // A check made twice (a bad default, by the reader and again by a job using it) prints once.
  const everything = [
    ...new Map(
      [...readIssues, ...expansion.issues.all(), ...imageFailures.values()].map((i) => [formatIssue(i), i]),
    ).values(),
  ];
  if (everything.length === 0) return { ok: true, drafts: expansion.drafts, skipped: findings.readSkipped };
  if (manifest.onInvalidRow === "fail" || readIssues.length > 0 || expansion.issues.general().length > 0)
    return { ok: false, issues: everything };
  const bad = skippedRows(findings);
  const byIndex = new Map(manifest.rows.map((r) => [r.index, r]));
  const skipped = [
    ...findings.readSkipped,
    ...[...bad].map(([row, issues]): SkippedRow => {
      const at = byIndex.get(row)?.at ?? { file: manifest.displayFile, line: 1, column: 1, field: "" };
      return { row, at, issues };
    }),
  ].sort((a, b) => a.row - b.row);
  return { ok: true, drafts: expansion.drafts.filter((d) => !bad.has(d.row.index)), skipped };
}

/** One warning line per skipped row: where it is, and its first issue (and how many more). */
export function skippedWarnings(skipped: readonly SkippedRow[]): string[] {
  return skipped.map((s) => {
    const first = s.issues[0];
    const more = s.issues.length > 1 ? ` (and ${s.issues.length - 1} more)` : "";
    return `${s.at.file}:${s.at.line}: row ${s.row} skipped (on_invalid_row: skip): ${first ? formatIssue(first) : "invalid"}${more}`;
  });
}
