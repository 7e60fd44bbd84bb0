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

/**
 * The phase the journal left a job in. Pure: `verified` says whether every image of a finished
 * job is on disk with its recorded hash at the path the manifest now gives, or kept to be
 * rendered (`unrendered`; a finished job whose files are neither is delivered again from the
 * result the journal kept).
 */
export function journalPhase(
  state: KeyState | undefined,
  verified: boolean,
  unrendered: readonly PendingRender[] = [],
): JobPhase {
  if (!state) return { kind: "to-submit" };
  if (state.phase === "submitting")
    return state.doubt
      ? {
          kind: "reconciling",
          doubt: state.doubt,
          reason: "an earlier run was stopped while sending it, before fal's answer came",
        }
      : { kind: "submitting" };
  const { request } = state;
  const urls = state.urls === undefined ? {} : { urls: state.urls };
  if (state.phase === "failed") {
    const klass = state.failureClass ?? "";
    const message = state.cause ?? "";
    return {
      kind: "failed",
      error: {
        stage: "submit",
        class: CLASSES.has(klass) ? (klass as FailureClass) : "permanent",
        kind: "earlier-run",
        message,
      },
      ...(request === undefined ? {} : { request }),
    };
  }
  if (request === undefined)
    return state.phase === "unfinished"
      ? { kind: "to-submit", note: `unfinished in an earlier run: ${state.cause ?? ""}` }
      : { kind: "to-submit" };
  switch (state.phase) {
    case "submitted":
      return { kind: "submitted", request, attached: true, ...urls };
    case "unfinished":
      // A result kept is delivered; otherwise the request is followed again (never paid twice).
      return state.result !== undefined
        ? { kind: "delivering", request, result: state.result, from: "journal", ...urls }
        : { kind: "submitted", request, attached: true, ...urls };
    case "completed":
      return { kind: "delivering", request, result: state.result, from: "journal", ...urls };
    case "done":
      return verified
        ? {
            kind: "up-to-date",
            reason: unrendered.length > 0 ? "kept: rendered from fal's originals" : "up to date",
            request,
            images: [...state.images.values()],
            ...(unrendered.length > 0 ? { unrendered } : {}),
          }
        : { kind: "delivering", request, result: state.result, from: "journal" };
    case "canceled":
      return { kind: "to-submit", note: "canceled in an earlier run" };
    case "expired":
      return { kind: "to-submit", note: `fal no longer knows request ${request}` };
  }
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

/** A word for how a job starts, for the run's first log lines. */
export function startLabel(start: JobPhase): string {
  switch (start.kind) {
    case "to-submit":
      return "submit";
    case "submitted":
      return "attach";
    case "delivering":
      return "download";
    case "up-to-date":
      return "skip";
    case "not-run":
      return "failed-before";
    case "reconciling":
      return "reconcile";
    default:
      return start.kind;
  }
}
