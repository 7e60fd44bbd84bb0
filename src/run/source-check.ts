import { describeSource } from "../fal/index.js";
import type { KeyState } from "../journal/key-state.js";

/**
 * A job's state as this run may use it: a state whose latest request went to another source
 * (the emulator, another base URL, fal) says nothing about this one, so the job starts afresh.
 * Journals older than the source field (undefined) are taken as they are. Pure.
 */
export function stateForSource(state: KeyState | undefined, source: string): KeyState | undefined {
  if (state?.source === undefined) return state;
  if (state.source === source && !leftAtEarlierEmulator(state, source)) return state;
  return undefined;
}

/**
 * Whether the job's latest request is one an earlier `--emulator` run left open (killed, or
 * stopped before it ended): that emulator, and every request it held, went with its process;
 * this run's emulator is another one, on another port, that never heard of it. So the request
 * is not servable here — its status and result URLs name a port that is now anyone's, and a
 * submit in doubt would wait for a history that can never list it — and the job is sent again,
 * as for another source (its pictures cost nothing to make again). Pure.
 */
export function leftAtEarlierEmulator(state: KeyState | undefined, source: string): boolean {
  if (source !== "emulator" || state?.source !== "emulator") return false;
  switch (state.phase) {
    case "submitting":
    case "reconciling":
    case "submitted":
    case "unfinished":
    // A result fetched, even with some images kept: the rest would be fetched from that dead
    // port, and the emulator makes them again for nothing.
    case "delivering":
      return true;
    default:
      return false;
  }
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
  #earlierEmulator = 0;

  constructor(readonly source: string) {}

  /** The state to use for a job; remembers a mismatch. */
  use(state: KeyState | undefined): KeyState | undefined {
    const kept = stateForSource(state, this.source);
    if (state?.source === undefined || kept !== undefined) return kept;
    if (leftAtEarlierEmulator(state, this.source)) this.#earlierEmulator += 1;
    else this.#bySource.set(state.source, (this.#bySource.get(state.source) ?? 0) + 1);
    return kept;
  }

  /** One warning per other source, e.g. "3 jobs were made against the emulator; regenerating for fal". */
  warnings(): string[] {
    const n = this.#earlierEmulator;
    return [
      ...[...this.#bySource].map(
        ([other, n]) =>
          `${n} job${n === 1 ? " was" : "s were"} made against ${describeSource(other)}; regenerating for ${describeSource(this.source)}`,
      ),
      ...(n === 0
        ? []
        : [
            `${n} job${n === 1 ? " was" : "s were"} left unfinished by an earlier --emulator run, whose emulator is gone; sending ${n === 1 ? "it" : "them"} to this one`,
          ]),
    ];
  }
}
