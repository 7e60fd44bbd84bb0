import { describeSource } from "../fal/index.js";
import type { KeyState } from "../journal/key-state.js";

/**
 * A job's state as this run may use it: a state whose latest request went to another source
 * (the emulator, another base URL, fal) says nothing about this one, so the job starts afresh.
 * Journals older than the source field (undefined) are taken as they are. Pure.
 */
export function stateForSource(state: KeyState | undefined, source: string): KeyState | undefined {
  if (state?.source === undefined || state.source === source) return state;
  return undefined;
}

/**
 * Why a job is left alone by a run against another target: its latest request went to fal
 * itself and may still be queued, running or holding a paid result (or its submit is in doubt
 * there). Regenerating it elsewhere would forget that request, and a later run against fal would
 * pay again; so it is not run until a run against fal collects it. Undefined otherwise. Pure.
 */
export function pendingAtFal(state: KeyState | undefined, source: string): string | undefined {
  if (state?.source !== "fal" || source === "fal") return undefined;
  const inDoubt = state.phase === "submitting" || state.phase === "reconciling";
  const pending =
    inDoubt ||
    state.phase === "submitted" ||
    state.phase === "delivering" ||
    (state.phase === "unfinished" && state.request !== undefined);
  if (!pending) return undefined;
  const what = inDoubt ? "its submit in doubt" : `its request ${state.request}`;
  return `${what} is pending at fal (paid or maybe paid): a run against fal collects it; not regenerated for ${describeSource(source)} meanwhile`;
}

/** Counts, per other source, the jobs this run regenerates because they were made there. */
export class SourceMismatches {
  readonly #bySource = new Map<string, number>();

  constructor(readonly source: string) {}

  /** The state to use for a job; remembers a mismatch. */
  use(state: KeyState | undefined): KeyState | undefined {
    const kept = stateForSource(state, this.source);
    if (state?.source !== undefined && kept === undefined)
      this.#bySource.set(state.source, (this.#bySource.get(state.source) ?? 0) + 1);
    return kept;
  }

  /** One warning per other source, e.g. "3 jobs were made against the emulator; regenerating for fal". */
  warnings(): string[] {
    return [...this.#bySource].map(
      ([other, n]) =>
        `${n} job${n === 1 ? " was" : "s were"} made against ${describeSource(other)}; regenerating for ${describeSource(this.source)}`,
    );
  }
}
