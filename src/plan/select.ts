import type { JobDraft } from "./draft.js";

/** Options that select part of the plan. */
export interface Selection {
  /** Keep jobs whose id matches this glob (`*` and `?`). */
  readonly only?: string;
  /** Keep at most this many jobs (after `only`). */
  readonly limit?: number;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** The drafts `only` and `limit` keep. */
export function selectDrafts(drafts: readonly JobDraft[], selection: Selection): readonly JobDraft[] {
  const only = selection.only === undefined ? undefined : globToRegExp(selection.only);
  const kept = only ? drafts.filter((d) => only.test(d.id)) : drafts;
  return selection.limit === undefined ? kept : kept.slice(0, selection.limit);
}
