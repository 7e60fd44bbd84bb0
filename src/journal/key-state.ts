import type { Doubt } from "../model/doubt.js";
import type { ImageRecord } from "../model/image-record.js";
import type { JobPhase } from "../model/job-phase.js";
import type { PendingRender } from "../model/kept-image.js";
import type { QueueUrls } from "../model/queue-urls.js";
import type { JournalEntry } from "./journal.js";

/**
 * The phase the journal leaves a job in, in the engine's words (`JobPhase`): `reconciling` a
 * submit in doubt that fal's history can settle, `submitting` one no history can (an older
 * journal); `delivering` a result kept (the file's `completed`); `to-submit` when fal no longer
 * knows the last request (the file's `expired`), or nothing was sent yet.
 */
export type JournaledPhase = Extract<
  JobPhase["kind"],
  | "to-submit"
  | "submitting"
  | "reconciling"
  | "submitted"
  | "delivering"
  | "done"
  | "failed"
  | "unfinished"
  | "canceled"
>;

/** Where a job (by key) stands after everything the journal says. */
export interface KeyState {
  readonly key: string;
  job: string;
  phase: JournaledPhase;
  request: string | undefined;
  /** Where fal said `request` is reached; let go once the job is done (nothing reaches it then). */
  urls: QueueUrls | undefined;
  endpoint: string | undefined;
  /** Where its latest request went (`FalAccess.source`); undefined in older journals. */
  source: string | undefined;
  /** The seed its latest request was sent with, when it had one. */
  seed: number | undefined;
  /** What fal returned, once fetched. */
  result: unknown;
  /** Images written for the current request, by their index n. */
  images: Map<number, ImageRecord>;
  /**
   * Images of the current request kept and not rendered yet as their recipe says, by n; undefined
   * for none (most keys: one map less each).
   */
  kept: Map<number, PendingRender> | undefined;
  /** Every request sent for the key, oldest first. */
  requests: string[];
  cause: string | undefined;
  failureClass: string | undefined;
  /** While `reconciling`: what finds the submit in fal's request history. */
  doubt: Doubt | undefined;
}

/**
 * One copy of each of the few values many keys repeat (endpoint ids, where requests went,
 * content types): each journal line parses into strings of its own, and 100,000 keys held
 * 100,000 copies of each.
 */
const shared = new Map<string, string>();
export function once<T extends string | undefined>(value: T): T {
  if (value === undefined) return value;
  const known = shared.get(value);
  if (known !== undefined) return known as T;
  if (shared.size < 1000) shared.set(value, value);
  return value;
}

/** `value`, as `held` when they are equal (one string in memory, not two). */
const sameAs = (value: string, held: string | undefined): string => (value === held ? held : value);

/** The URL of image n (from 1) in fal's result, if it has one. */
function resultUrl(result: unknown, n: number): string | undefined {
  const url = (result as { images?: Array<{ url?: unknown }> } | undefined)?.images?.[n - 1]?.url;
  return typeof url === "string" ? url : undefined;
}

/** One journal entry's change to its key's state. */
function apply(s: KeyState, e: Exclude<JournalEntry, { type: "run" | "spent" }>): void {
  // Long because it is one `case` per journal entry type, each a few lines: split, the entry
  // types would no longer be seen side by side.
  switch (e.type) {
    case "submitting":
      s.job = e.job;
      s.source = once(e.source);
      s.doubt =
        e.endpoint !== undefined && e.digest !== undefined && e.notAfter !== undefined
          ? {
              endpoint: e.endpoint,
              digest: e.digest,
              since: e.t,
              notAfter: e.notAfter,
              ...(e.storeIo === false ? { noPayloads: true as const } : {}),
            }
          : undefined;
      // Absent in older journals: then nothing finds the submit.
      s.phase = s.doubt ? "reconciling" : "submitting";
      break;
    case "submitted":
      s.job = e.job;
      s.phase = "submitted";
      s.request = e.request;
      s.urls = e.urls;
      s.endpoint = once(e.endpoint);
      s.source = once(e.source);
      s.seed = e.seed;
      s.result = undefined;
      s.images = new Map();
      s.kept = undefined;
      // A new list of its exact length: one grown by push keeps room for 16 (about 190 bytes a key).
      s.requests = s.requests.concat(e.request);
      s.cause = undefined;
      // Only a submit not known to have reached fal needs finding in its history.
      s.doubt = undefined;
      break;
    case "completed":
      if (e.request !== s.request) break;
      s.phase = "delivering";
      s.result = e.result;
      break;
    case "image":
      if (e.request !== s.request) break;
      s.images.set(e.n, {
        n: e.n,
        path: e.path,
        sha256: e.sha256,
        bytes: e.bytes,
        width: e.width,
        height: e.height,
        contentType: once(e.contentType),
        sourceUrl: sameAs(e.sourceUrl, resultUrl(s.result, e.n)),
        // Kept as fal sent it, the original's hash is the image's own (one string, not two).
        original:
          e.original.sha256 === e.sha256 ? { sha256: e.sha256, ext: once(e.original.ext) } : e.original,
        settings: e.settings,
        derivatives: e.derivatives,
        ...(e.stamp === undefined ? {} : { stamp: e.stamp }),
      });
      if (s.kept?.get(e.n)?.recipe.settings === e.settings && s.kept.get(e.n)?.recipe.main.path === e.path) {
        s.kept.delete(e.n);
        if (s.kept.size === 0) s.kept = undefined;
      }
      break;
    case "kept":
      if (e.request !== s.request) break;
      s.kept ??= new Map();
      s.kept.set(e.n, {
        n: e.n,
        sourceUrl: e.sourceUrl,
        original: e.original,
        width: e.width,
        height: e.height,
        contentType: once(e.contentType),
        recipe: e.recipe,
        ...(e.claimsDiffer === undefined ? {} : { claimsDiffer: e.claimsDiffer }),
      });
      break;
    case "done":
      if (e.request === s.request) {
        s.phase = "done";
        s.urls = undefined;
      }
      break;
    case "failed":
      s.phase = "failed";
      s.cause = e.cause;
      s.failureClass = e.class;
      break;
    case "unfinished":
      s.phase = "unfinished";
      s.cause = e.cause;
      s.failureClass = e.class;
      // Failed before fal accepted a request: the one before it (if any) is no longer the job's.
      if (e.request === undefined) {
        s.request = undefined;
        s.urls = undefined;
        s.result = undefined;
        s.images = new Map();
        s.kept = undefined;
      }
      break;
    case "canceled":
      s.phase = "canceled";
      s.cause = e.cause;
      break;
    case "expired":
      if (e.request === s.request) s.phase = "to-submit";
      break;
  }
}

/** Applies one journal entry to the state of its key in `states` (a replay, one entry at a time). */
export function replayEntry(states: Map<string, KeyState>, e: JournalEntry): void {
  if (e.type === "run" || e.type === "spent") return;
  let s = states.get(e.key);
  if (!s) {
    s = {
      key: e.key,
      job: e.type === "submitted" || e.type === "submitting" ? e.job : "",
      phase: "to-submit",
      request: undefined,
      urls: undefined,
      endpoint: undefined,
      source: undefined,
      seed: undefined,
      result: undefined,
      images: new Map(),
      kept: undefined,
      requests: [],
      cause: undefined,
      failureClass: undefined,
      doubt: undefined,
    };
    states.set(e.key, s);
  }
  apply(s, e);
}

/** Replays journal entries into each key's state. Pure. */
export function replay(entries: readonly JournalEntry[]): Map<string, KeyState> {
  const states = new Map<string, KeyState>();
  for (const e of entries) replayEntry(states, e);
  return states;
}

/** The `submitting` line that says the same as a state left in the middle of a submit. */
function submittingOf(s: KeyState, now: number): JournalEntry {
  const source = s.source === undefined ? {} : { source: s.source };
  const d = s.doubt;
  // Its time is when the submit left: kept, since the request history is searched from it.
  if (!d) return { t: now, type: "submitting", key: s.key, job: s.job, ...source };
  const { endpoint, digest, notAfter } = d;
  const noPayloads = d.noPayloads ? { storeIo: false as const } : {};
  return {
    t: d.since,
    type: "submitting",
    key: s.key,
    job: s.job,
    ...source,
    endpoint,
    digest,
    notAfter,
    ...noPayloads,
  };
}

function unfinishedOf(s: KeyState) {
  return { key: s.key, stage: "", cause: s.cause ?? "", class: s.failureClass ?? "" };
}

/** The entries that say the same as `states`, for compacting a long journal. Pure. */
export function compactEntries(states: ReadonlyMap<string, KeyState>, now: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const s of states.values()) {
    const source = s.source === undefined ? {} : { source: s.source };
    if (!s.request || !s.endpoint) {
      if (s.phase === "failed")
        out.push({ t: now, type: "failed", key: s.key, cause: s.cause ?? "", class: s.failureClass ?? "" });
      if (s.phase === "submitting" || s.phase === "reconciling") out.push(submittingOf(s, now));
      if (s.phase === "unfinished") out.push({ t: now, type: "unfinished", ...unfinishedOf(s) });
      continue;
    }
    out.push({
      t: now,
      type: "submitted",
      key: s.key,
      job: s.job,
      request: s.request,
      endpoint: s.endpoint,
      ...source,
      ...(s.seed === undefined ? {} : { seed: s.seed }),
      ...(s.urls === undefined ? {} : { urls: s.urls }),
    });
    if (s.result !== undefined)
      out.push({ t: now, type: "completed", key: s.key, request: s.request, result: s.result });
    for (const img of s.images.values())
      out.push({ t: now, type: "image", key: s.key, request: s.request, ...img });
    for (const k of s.kept?.values() ?? [])
      out.push({ t: now, type: "kept", key: s.key, request: s.request, ...k });
    if (s.phase === "done") out.push({ t: now, type: "done", key: s.key, request: s.request });
    if (s.phase === "failed")
      out.push({
        t: now,
        type: "failed",
        key: s.key,
        request: s.request,
        cause: s.cause ?? "",
        class: s.failureClass ?? "",
      });
    if (s.phase === "unfinished")
      out.push({ t: now, type: "unfinished", ...unfinishedOf(s), request: s.request });
    if (s.phase === "canceled")
      out.push({ t: now, type: "canceled", key: s.key, request: s.request, cause: s.cause ?? "" });
    // With a request, `to-submit` is what an `expired` line leaves.
    if (s.phase === "to-submit") out.push({ t: now, type: "expired", key: s.key, request: s.request });
    if (s.phase === "submitting" || s.phase === "reconciling") out.push(submittingOf(s, now));
  }
  return out;
}
