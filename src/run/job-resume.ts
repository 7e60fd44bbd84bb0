import type { KeyState } from "../journal/key-state.js";
import type { FailureClass } from "../model/failure.js";
import type { JobPhase } from "../model/job-phase.js";
import type { PendingRender } from "../model/kept-image.js";

/** What a run is told to do with what earlier runs left. */
export interface ResumeOptions {
  /** Regenerate every job, whatever is on disk. */
  readonly force?: boolean;
  /** Hash every output file, not only those whose size, mtime or inode changed. */
  readonly verify?: boolean;
  /** Send again the jobs an earlier run failed. */
  readonly retryFailed?: boolean;
}

const CLASSES = new Set<string>(["retryable", "permanent", "fatal"]);

/** A job failed in an earlier run, as its `failed` line tells it. */
function failedBefore(state: KeyState): JobPhase {
  const klass = state.failureClass ?? "";
  return {
    kind: "failed",
    error: {
      stage: "submit",
      class: CLASSES.has(klass) ? (klass as FailureClass) : "permanent",
      kind: "earlier-run",
      message: state.cause ?? "",
    },
    ...(state.request === undefined ? {} : { request: state.request }),
  };
}

/**
 * The phase the journal left a job in, with what the journal holds for it. Pure. The replay
 * names the engine's phases itself (`KeyState.phase`); three are taken up otherwise by a new
 * run: `done` is `up-to-date` when `verified` says every image is on disk with its recorded hash
 * at the path the manifest now gives, or kept to be rendered (`unrendered`), and delivered again
 * from the result kept otherwise; `unfinished` follows its request again (or delivers its kept
 * result, or sends when none was accepted); `canceled` is sent anew.
 */
export function journalPhase(
  state: KeyState | undefined,
  verified: boolean,
  unrendered: readonly PendingRender[] = [],
): JobPhase {
  if (!state) return { kind: "to-submit" };
  const { request, result } = state;
  const urls = state.urls === undefined ? {} : { urls: state.urls };
  // The replay says `reconciling` only with the doubt that finds the submit.
  if (state.phase === "reconciling" && state.doubt)
    return {
      kind: "reconciling",
      doubt: state.doubt,
      reason: "an earlier run was stopped while sending it, before fal's answer came",
    };
  if (state.phase === "reconciling" || state.phase === "submitting") return { kind: "submitting" };
  if (state.phase === "failed") return failedBefore(state);
  if (request === undefined)
    return state.phase === "unfinished"
      ? { kind: "to-submit", note: `unfinished in an earlier run: ${state.cause ?? ""}` }
      : { kind: "to-submit" };
  switch (state.phase) {
    case "to-submit":
      return { kind: "to-submit", note: `fal no longer knows request ${request}` };
    case "submitted":
      return { kind: "submitted", request, attached: true, ...urls };
    case "delivering":
      return { kind: "delivering", request, result, from: "journal", ...urls };
    case "unfinished":
      // A result kept is delivered; otherwise the request is followed again (never paid twice).
      return result !== undefined
        ? { kind: "delivering", request, result, from: "journal", ...urls }
        : { kind: "submitted", request, attached: true, ...urls };
    case "done":
      return verified
        ? {
            kind: "up-to-date",
            reason: unrendered.length > 0 ? "kept: rendered from fal's originals" : "up to date",
            request,
            images: [...state.images.values()],
            ...(unrendered.length > 0 ? { unrendered } : {}),
          }
        : { kind: "delivering", request, result, from: "journal" };
    case "canceled":
      return { kind: "to-submit", note: "canceled in an earlier run" };
  }
}

/**
 * Whether `--retry-failed` takes a job the journal left in this phase: failed, or a submit in
 * doubt (reported failed when fal's history could not settle it). `run` and `plan` both ask here,
 * so the preview lists every request the run may pay for.
 */
export function retriedByRetryFailed(phase: string | undefined): boolean {
  return phase === "failed" || phase === "submitting" || phase === "reconciling";
}

/**
 * How a job starts in this run: the transition a new run makes from the phase the journal
 * left (see `journalPhase`). Pure. A job failed for good stays so until `--retry-failed`; a
 * submit cut off by a kill is reconciled with fal's request history (in an older journal that
 * cannot, it is in doubt); `--force` sends a new request for whatever was sent.
 */
export function decideStart(left: JobPhase, options: ResumeOptions): JobPhase {
  if (left.kind === "submitting")
    return options.retryFailed
      ? { kind: "to-submit", note: "--retry-failed (its earlier submit was cut off)" }
      : {
          kind: "in-doubt",
          lasting: true,
          reason:
            "an earlier run was killed while sending it: fal may have accepted it, but its request id never came back; not sent again, to avoid paying twice (--retry-failed sends it again)",
        };
  // Whatever the options, a submit in doubt is looked up first: sending it again may pay twice.
  if (left.kind === "reconciling") return left;
  if (left.kind === "failed" && (left.request === undefined || !options.force))
    return options.retryFailed
      ? { kind: "to-submit", note: "--retry-failed" }
      : {
          kind: "not-run",
          reason: `failed in an earlier run: ${left.error.message} (--retry-failed sends it again)`,
        };
  if (options.force && left.kind !== "to-submit") return { kind: "to-submit", note: "--force" };
  return left;
}
