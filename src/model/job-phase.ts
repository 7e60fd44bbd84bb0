import type { Doubt } from "./doubt.js";
import type { JobError } from "./failure.js";
import type { ImageRecord } from "./image-record.js";
import type { PendingRender } from "./kept-image.js";
import type { QueueUrls } from "./queue-urls.js";

/**
 * Where one job stands: the whole of a job's life, from "to submit" to one of the ends. Each
 * phase carries only what it has. `job-machine.ts` decides the next phase from the current one
 * and an event; `job-steps.ts` performs the step a phase calls for; the journal records the
 * transitions, so a later run starts from the phase this one left.
 */
export type JobPhase =
  /** A new request is needed: never sent, or the last one can no longer finish the job. */
  | {
      readonly kind: "to-submit";
      /** Why it is sent (again): `--force`, `--retry-failed`, "fal no longer knows …". */
      readonly note?: string;
      /** The request this one replaces; `gone` when fal no longer knows it (expired). */
      readonly replaces?: { readonly request: string; readonly gone: boolean };
    }
  /**
   * The submit left, its answer never came (a crash, in a journal older than reconciliation):
   * fal may hold it under an id never seen, and nothing finds it.
   */
  | { readonly kind: "submitting" }
  /**
   * In doubt, being reconciled: the submit left and its answer never came (a kill, a broken
   * connection). It is looked up in fal's request history by its input; found, the job follows
   * that request; not listed once fal could no longer hold it (`doubt.notAfter`), it is sent.
   */
  | { readonly kind: "reconciling"; readonly doubt: Doubt; readonly reason: string }
  /**
   * fal accepted the request: it waits in fal's queue or runs (one step follows both, holding
   * a slot). `attached` when an earlier run sent it.
   */
  | {
      readonly kind: "submitted";
      readonly request: string;
      readonly attached: boolean;
      /** Where fal said the request is reached, as journaled (a run's start phase only). */
      readonly urls?: QueueUrls;
    }
  /**
   * fal reports the request COMPLETED: its result is to be fetched. `errorType` is fal's when the
   * request failed at fal; `again` when an earlier result could not be delivered and is asked for anew.
   */
  | {
      readonly kind: "completed";
      readonly request: string;
      readonly errorType?: string;
      readonly again: boolean;
    }
  /** The result is here (fetched now, or kept in the journal): its images are being written. */
  | {
      readonly kind: "delivering";
      readonly request: string;
      readonly result: unknown;
      readonly from: "fal" | "journal";
      /** Where fal said the request is reached, as journaled (a run's start phase only). */
      readonly urls?: QueueUrls;
    }
  /** Every image is kept (its outputs are rendered apart, from the originals). */
  | {
      readonly kind: "done";
      readonly request: string;
      readonly images: readonly PendingRender[];
      readonly seed?: number;
    }
  /** Ended for good (until `--retry-failed`), with its cause. */
  | { readonly kind: "failed"; readonly error: JobError; readonly request?: string }
  /** Canceled at fal (the deadline), or stopped after an earlier request of this run. */
  | { readonly kind: "canceled"; readonly reason: string; readonly request?: string }
  /**
   * Left for the next run, which takes it up by itself (re-attaching to `request` when set):
   * the run stopped before it ended, or (`error`) its last try failed for a cause that is not
   * permanent (transport, 5xx, timeouts, a model error fal does not bill).
   */
  | {
      readonly kind: "unfinished";
      readonly reason: string;
      readonly request?: string;
      readonly error?: JobError;
    }
  /**
   * A submit's fate is not known yet. `lasting`: it will not be known without a person (fal's
   * history cannot be read, or an older journal); the job is failed until `--retry-failed`.
   * Otherwise the next run goes on reconciling it by itself.
   */
  | { readonly kind: "in-doubt"; readonly reason: string; readonly lasting: boolean }
  /** Not sent in this run (it failed in an earlier one, or the run stopped before its turn). */
  | { readonly kind: "not-run"; readonly reason: string }
  /**
   * Every image is on disk as recorded, or kept and waiting to be rendered (`unrendered`):
   * nothing to ask of fal.
   */
  | {
      readonly kind: "up-to-date";
      readonly reason: string;
      readonly request: string;
      readonly images: readonly ImageRecord[];
      readonly unrendered?: readonly PendingRender[];
    };

/**
 * The one job-status vocabulary: every phase a job can be in, with the words the other views of
 * a job use for it, so none of them is a list of its own translated by hand. `preview`: what
 * `plan` says a run would do with a job starting in the phase; `label`: the word the run's first
 * log lines count starts by; `ends`: for a phase the job's run ends in, the outcome statuses
 * (the report's `status`, a public format) it can end with. The journal's replay yields these
 * kinds too (`KeyState.phase`); its line `type`s are the file's own words.
 */
const PHASES = {
  "to-submit": { preview: "to-run", label: "submit" },
  submitting: { preview: "in-doubt", label: "submitting" },
  reconciling: { preview: "in-doubt", label: "reconcile" },
  submitted: { preview: "resume", label: "attach" },
  completed: { preview: "resume", label: "completed" },
  delivering: { preview: "resume", label: "download" },
  done: { preview: "to-run", label: "done", ends: ["succeeded"] },
  failed: { preview: "failed", label: "failed", ends: ["failed"] },
  canceled: { preview: "to-run", label: "canceled", ends: ["canceled"] },
  // `not_run` when the job sent nothing in this run (stopped before its turn).
  unfinished: { preview: "to-run", label: "unfinished", ends: ["unfinished", "not_run"] },
  // `failed` when lasting (nothing finds it without a person), else `unfinished`.
  "in-doubt": { preview: "in-doubt", label: "in-doubt", ends: ["failed", "unfinished"] },
  "not-run": { preview: "failed", label: "failed-before", ends: ["not_run"] },
  "up-to-date": { preview: "up-to-date", label: "skip", ends: ["skipped"] },
} as const satisfies Record<
  JobPhase["kind"],
  { readonly preview: string; readonly label: string; readonly ends?: readonly string[] }
>;

type Phases = typeof PHASES;

/** The kinds of phase that end a job's run. */
type EndKind = {
  [K in JobPhase["kind"]]: Phases[K] extends { readonly ends: readonly string[] } ? K : never;
}[JobPhase["kind"]];

/** The phases a job ends this run in. */
export type EndPhase = Extract<JobPhase, { kind: EndKind }>;

/** The outcome statuses a job ending in a phase of kind `K` can have. */
export type EndStatus<K extends EndKind> = Phases[K]["ends"][number];

/** How a job ended in a run: its outcome's (and the report's) `status`. */
export type OutcomeStatus = EndStatus<EndKind>;

/** What a run into an output folder would do with a job, told before it runs (`plan`). */
export type PreviewKind = Phases[JobPhase["kind"]]["preview"];

/** Every outcome status, in the order the report's schema lists them. */
export const OUTCOME_STATUSES = [
  "succeeded",
  "failed",
  "unfinished",
  "skipped",
  "canceled",
  "not_run",
] as const satisfies readonly OutcomeStatus[];
// Fails to compile when a status some end phase has is missing from the list.
true satisfies [OutcomeStatus] extends [(typeof OUTCOME_STATUSES)[number]] ? true : false;

/** Whether the job's life in this run is over at `phase`. */
export function isEnd(phase: JobPhase): phase is EndPhase {
  return "ends" in PHASES[phase.kind];
}

/** What a run would do with a job that starts in `start`, as `plan` tells it. */
export function previewKind(start: JobPhase): PreviewKind {
  return PHASES[start.kind].preview;
}

/** A word for how a job starts, for the run's first log lines. */
export function startLabel(start: JobPhase): string {
  return PHASES[start.kind].label;
}
