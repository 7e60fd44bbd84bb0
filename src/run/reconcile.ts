import type { Clock } from "../clock.js";
import { type HistoryEntry, inputDigest, PlatformApiError, type RequestHistory } from "../fal/index.js";
import type { Doubt, HistoryTrust } from "../model/doubt.js";

/** What fal's request history says of a doubt. */
export type ReconcileEvent =
  /** fal accepted it: this is its request id (paid once; followed, never sent again). */
  | { readonly kind: "found"; readonly request: string }
  /** Not listed in a listing made after `notAfter`: fal never accepted it; it may be sent. */
  | { readonly kind: "absent" }
  /**
   * Not known yet: the run stopped while waiting, or the history could not be read (`lasting`:
   * it never will be with this key and target, e.g. 401/403/404).
   */
  | { readonly kind: "unknown"; readonly reason: string; readonly lasting: boolean };

/** Options of the reconciler. */
export interface ReconcilerOptions {
  /** fal's request history; undefined when it cannot be asked (every doubt stays unknown). */
  readonly history: RequestHistory | undefined;
  readonly clock: Clock;
  /** How often the history is asked again while a doubt waits for its bound. @default 15000 */
  readonly pollMs?: number;
  /** Tolerated difference between our clock and fal's (ms). @default 60000 */
  readonly skewMs?: number;
  /** How long past `notAfter` an unreadable history is tried before the doubt is left for the next run. @default 300000 */
  readonly graceMs?: number;
  /**
   * What `doctor --live` verified of the history (the fal profile): where matching by input is
   * not verified, "not listed" is never read as "never accepted" (the doubt waits for a person),
   * and the measured listing delay is added to each doubt's bound. Undefined: the engine on its
   * own trusts the history as fal's emulator plays it; a run always passes the profile's.
   */
  readonly trust?: HistoryTrust;
}

/** What has been listed of one endpoint's history. */
interface EndpointView {
  /** Request ids with their send time, by input digest. */
  readonly byDigest: Map<string, Array<{ readonly request: string; readonly sentAt: number }>>;
  readonly seen: Set<string>;
  /** The doubts of this endpoint being resolved now: a full listing covers them all. */
  readonly active: Set<Doubt>;
  /** The start of the earliest window listed (epoch ms). */
  coveredFrom: number;
  /** When the latest finished listing began (our clock). */
  listedAt: number;
  /** The window start and begin time of the latest full listing (from a doubt's intent on). */
  fullFrom: number;
  fullAt: number;
  pending: Promise<void> | undefined;
}

/** A doubt older than this is past what fal's history is relied on to keep: not decided by it. */
export const HISTORY_HORIZON_MS = 7 * 24 * 3600 * 1000;

/**
 * A Platform API failure that asking again with the same key and target will not mend: a 4xx
 * (but 408 and 429), or an answer that breaks the documented shape (a listing that does not end).
 */
function lastingFailure(error: unknown): boolean {
  const status = error instanceof PlatformApiError ? error.status : undefined;
  if (status === 200) return true;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Reconciles submits whose answer never came back with fal's request history: each is looked
 * up by its input's digest among the requests sent after its intent. Doubts of one endpoint
 * share their listings (one at a time, incremental while waiting); "absent" is only ever said
 * from a full listing (from the earliest active doubt's intent) begun after the doubt's bound,
 * whatever time fal's `start` filters on. A request already known to the run (claimed) is never
 * given to another doubt, and no doubt is decided while a submit of the same input still waits
 * for its answer, so two jobs with the same input never share a request.
 */
export class Reconciler {
  readonly #views = new Map<string, EndpointView>();
  readonly #claimed = new Set<string>();
  /** Submits on the wire, by input digest: their answer may name a request a doubt would take. */
  readonly #sending = new Map<string, number>();
  readonly #pollMs: number;
  readonly #skewMs: number;
  readonly #graceMs: number;

  constructor(readonly options: ReconcilerOptions) {
    this.#pollMs = options.pollMs ?? 15_000;
    this.#skewMs = options.skewMs ?? 60_000;
    this.#graceMs = options.graceMs ?? 300_000;
  }

  /** Marks a request as some job's (accepted in this run, or known from the journal). */
  claim(request: string): void {
    this.#claimed.add(request);
  }

  /** A submit of an input with `digest` left; `sendEnded` follows when its answer (or none) came. */
  sendStarted(digest: string): void {
    this.#sending.set(digest, (this.#sending.get(digest) ?? 0) + 1);
  }

  /** The submit's answer came (`request` is then claimed) or never will. */
  sendEnded(digest: string, request?: string): void {
    if (request !== undefined) this.claim(request);
    const n = (this.#sending.get(digest) ?? 1) - 1;
    if (n > 0) this.#sending.set(digest, n);
    else this.#sending.delete(digest);
  }

  /**
   * Waits for what the history says of `doubt`: found, absent (from a full listing begun after
   * `notAfter`), or unknown (the run stopped: `stopped()` says why, `signal` wakes the wait; or
   * the history cannot be read). Calls `waiting` once, when the answer must wait for the bound.
   */
  async resolve(
    doubt: Doubt,
    stopped: () => string | undefined,
    signal?: AbortSignal,
    waiting?: (until: number) => void,
  ): Promise<ReconcileEvent> {
    const { history, clock } = this.options;
    if (doubt.noPayloads)
      return {
        kind: "unknown",
        reason:
          "it was sent with X-Fal-Store-IO: 0 (--no-store-io), so fal's request history keeps no input to find it by; it waits for a person",
        lasting: true,
      };
    if (!history)
      return { kind: "unknown", reason: "fal's request history cannot be asked here", lasting: true };
    if (clock.now() - doubt.since > HISTORY_HORIZON_MS)
      return {
        kind: "unknown",
        reason: "sent over 7 days ago, past what fal's request history is relied on to keep",
        lasting: true,
      };
    const view = this.#view(doubt.endpoint);
    view.active.add(doubt);
    try {
      return await this.#resolve(history, view, doubt, stopped, signal, waiting);
    } finally {
      view.active.delete(doubt);
    }
  }

  async #resolve(
    history: RequestHistory,
    view: EndpointView,
    doubt: Doubt,
    stopped: () => string | undefined,
    signal: AbortSignal | undefined,
    waiting: ((until: number) => void) | undefined,
  ): Promise<ReconcileEvent> {
    const { clock } = this.options;
    // fal lists a request some time after it ends: the delay doctor --live measured is waited too.
    const notAfter = doubt.notAfter + (this.options.trust?.listingDelayMs(doubt.endpoint) ?? 0);
    let failingSince: number | undefined;
    let failures = 0;
    let polls = 0;
    for (;;) {
      const reason = stopped();
      if (reason !== undefined) return { kind: "unknown", reason, lasting: false };
      const askedAt = clock.now();
      const deciding = askedAt >= notAfter;
      try {
        await this.#fresh(
          history,
          view,
          doubt.endpoint,
          doubt.since - this.#skewMs,
          askedAt,
          deciding,
          signal,
        );
        failingSince = undefined;
        failures = 0;
      } catch (error) {
        if (signal?.aborted) continue;
        const why = `fal's request history could not be read: ${(error as Error).message}`;
        if (lastingFailure(error)) return { kind: "unknown", reason: why, lasting: true };
        failingSince ??= askedAt;
        failures += 1;
        if (askedAt >= notAfter + this.#graceMs && askedAt - failingSince >= this.#graceMs)
          return { kind: "unknown", reason: why, lasting: false };
        // 1 s, 2 s, 4 s … up to the poll interval: an outage of a few seconds costs a few seconds.
        await clock.sleep(Math.min(this.#pollMs, 1000 * 2 ** (failures - 1)), signal);
        continue;
      }
      // A submit of the same input still on the wire may be the one listed: wait for its answer.
      const busy = this.#sending.has(doubt.digest);
      const found = busy ? undefined : this.#take(view, doubt);
      if (found) return { kind: "found", request: found };
      if (deciding && !busy) {
        const unverified = this.options.trust?.unverified(doubt.endpoint);
        if (unverified === undefined) return { kind: "absent" };
        return {
          kind: "unknown",
          reason: `not listed in fal's request history, but ${unverified}, so "not listed" may not mean "never accepted"; it waits for a person`,
          lasting: true,
        };
      }
      if (polls === 0) waiting?.(notAfter);
      // 2 s, 4 s, 8 s … up to the poll interval: a request that ends soon is found soon.
      const untilBound = deciding ? this.#pollMs : notAfter - askedAt;
      await clock.sleep(Math.min(this.#pollMs, 2000 * 2 ** polls, untilBound), signal);
      polls += 1;
    }
  }

  /**
   * The unclaimed request with the doubt's digest that it most likely is, claimed: the first
   * sent after its intent; else (clock skew) the last sent in the skew before it.
   */
  #take(view: EndpointView, doubt: Doubt): string | undefined {
    const free = (view.byDigest.get(doubt.digest) ?? []).filter((c) => !this.#claimed.has(c.request));
    const after = free.filter((c) => c.sentAt >= doubt.since).sort((a, b) => a.sentAt - b.sentAt);
    const skewed = free
      .filter((c) => c.sentAt < doubt.since && c.sentAt >= doubt.since - this.#skewMs)
      .sort((a, b) => b.sentAt - a.sentAt);
    const found = after[0] ?? skewed[0];
    if (found) this.#claimed.add(found.request);
    return found?.request;
  }

  #view(endpoint: string): EndpointView {
    let view = this.#views.get(endpoint);
    if (!view) {
      view = {
        byDigest: new Map(),
        seen: new Set(),
        active: new Set(),
        coveredFrom: Number.POSITIVE_INFINITY,
        listedAt: Number.NEGATIVE_INFINITY,
        fullFrom: Number.POSITIVE_INFINITY,
        fullAt: Number.NEGATIVE_INFINITY,
        pending: undefined,
      };
      this.#views.set(endpoint, view);
    }
    return view;
  }

  /**
   * Makes sure a listing that began at or after `notBefore` covers requests sent from `from`;
   * `full`: a listing of the whole window from there (not only what ended since the last one).
   */
  async #fresh(
    history: RequestHistory,
    view: EndpointView,
    endpoint: string,
    from: number,
    notBefore: number,
    full: boolean,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const done = () =>
      full
        ? view.fullAt >= notBefore && view.fullFrom <= from
        : view.listedAt >= notBefore && view.coveredFrom <= from;
    while (!done()) {
      if (view.pending) {
        await view.pending;
        continue;
      }
      const startedAt = this.options.clock.now();
      const whole = full || view.coveredFrom > from;
      view.pending = (async () => {
        // A turn first, so doubts that ask together are all active: one full listing serves
        // every doubt being resolved, from the earliest of their intents.
        await null;
        let listFrom = from;
        for (const d of view.active) listFrom = Math.min(listFrom, d.since - this.#skewMs);
        if (!whole) listFrom = view.listedAt - this.#skewMs;
        await this.#list(history, endpoint, view, listFrom, signal);
        view.listedAt = startedAt;
        if (!whole) return;
        view.coveredFrom = Math.min(view.coveredFrom, listFrom);
        view.fullFrom = listFrom;
        view.fullAt = startedAt;
      })();
      try {
        await view.pending;
      } finally {
        view.pending = undefined;
      }
    }
  }

  async #list(
    history: RequestHistory,
    endpoint: string,
    view: EndpointView,
    from: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const entries: HistoryEntry[] = await history.list({
      endpointId: endpoint,
      from,
      payloads: true,
      ...(signal ? { signal } : {}),
    });
    for (const e of entries) {
      // Without its input (not there yet), an item is looked at again in the next listing.
      if (view.seen.has(e.requestId) || e.input === undefined || e.input === null) continue;
      view.seen.add(e.requestId);
      const digest = inputDigest(e.input);
      const list = view.byDigest.get(digest) ?? [];
      list.push({ request: e.requestId, sentAt: e.sentAt });
      view.byDigest.set(digest, list);
    }
  }
}
