import type { Clock } from "../clock.js";
import { type HistoryEntry, inputDigest, PlatformApiError, type RequestHistory } from "../fal/index.js";

/** A submit whose answer never came back: what finds it in fal's request history. */
export interface Doubt {
  readonly endpoint: string;
  /** `inputDigest` of the input sent. */
  readonly digest: string;
  /** When the intent to submit was journaled (epoch ms): fal received it after this, if at all. */
  readonly since: number;
  /**
   * From this time (epoch ms) the request, had fal accepted it, could no longer be waiting
   * (`x-fal-request-timeout`) or running (the longest run time): "not listed" then means "never
   * accepted", and the job is sent again.
   */
  readonly notAfter: number;
}

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

/** The bounds a doubt is reconciled within. */
export interface ReconcileBounds {
  /** fal's bound on time queued, sent as `x-fal-request-timeout` on every submit (s). */
  readonly startTimeoutS: number;
  /** The longest a request runs at fal once started, and is listed in its history after (ms). */
  readonly maxRunTimeMs: number;
}

/** The doubt a submit of `input` at `since` leaves until its answer arrives. */
export function doubtOf(endpoint: string, input: unknown, since: number, bounds: ReconcileBounds): Doubt {
  return {
    endpoint,
    digest: inputDigest(input),
    since,
    notAfter: since + bounds.startTimeoutS * 1000 + bounds.maxRunTimeMs,
  };
}

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
}

/** What has been listed of one endpoint's history. */
interface EndpointView {
  /** Request ids with their send time, by input digest. */
  readonly byDigest: Map<string, Array<{ readonly request: string; readonly sentAt: number }>>;
  readonly seen: Set<string>;
  /** The start of the earliest window listed (epoch ms). */
  coveredFrom: number;
  /** When the latest finished listing began (our clock). */
  listedAt: number;
  pending: Promise<void> | undefined;
}

/** A Platform API answer that will not change by asking again with the same key and target. */
function lastingFailure(error: unknown): boolean {
  const status = error instanceof PlatformApiError ? error.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Reconciles submits whose answer never came back with fal's request history: each is looked
 * up by its input's digest among the requests sent after its intent. Doubts of one endpoint
 * share their listings (one at a time, incremental after the first), so a hundred doubts after
 * an outage cost one listing a poll, not a hundred. A request already known to the run (claimed)
 * is never given to another doubt, so two jobs with the same input never share a request.
 */
export class Reconciler {
  readonly #views = new Map<string, EndpointView>();
  readonly #claimed = new Set<string>();
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

  /**
   * Waits for what the history says of `doubt`: found, absent (asked after `notAfter`), or
   * unknown (the run stopped: `stopped()` says why, `signal` wakes the wait; or the history
   * cannot be read). Calls `waiting` once, when the answer must wait for the bound.
   */
  async resolve(
    doubt: Doubt,
    stopped: () => string | undefined,
    signal?: AbortSignal,
    waiting?: (until: number) => void,
  ): Promise<ReconcileEvent> {
    const { history, clock } = this.options;
    if (!history)
      return { kind: "unknown", reason: "fal's request history cannot be asked here", lasting: true };
    let failingSince: number | undefined;
    let failures = 0;
    let polls = 0;
    for (;;) {
      const reason = stopped();
      if (reason !== undefined) return { kind: "unknown", reason, lasting: false };
      const askedAt = clock.now();
      try {
        await this.#fresh(history, doubt.endpoint, doubt.since - this.#skewMs, askedAt);
        failingSince = undefined;
        failures = 0;
      } catch (error) {
        const why = `fal's request history could not be read: ${(error as Error).message}`;
        if (lastingFailure(error)) return { kind: "unknown", reason: why, lasting: true };
        failingSince ??= askedAt;
        failures += 1;
        if (askedAt >= doubt.notAfter + this.#graceMs && askedAt - failingSince >= this.#graceMs)
          return { kind: "unknown", reason: why, lasting: false };
        // 1 s, 2 s, 4 s … up to the poll interval: an outage of a few seconds costs a few seconds.
        await clock.sleep(Math.min(this.#pollMs, 1000 * 2 ** (failures - 1)), signal);
        continue;
      }
      const found = this.#take(doubt);
      if (found) return { kind: "found", request: found };
      if (askedAt >= doubt.notAfter) return { kind: "absent" };
      if (polls === 0) waiting?.(doubt.notAfter);
      // 2 s, 4 s, 8 s … up to the poll interval: a request that ends soon is found soon.
      await clock.sleep(Math.min(this.#pollMs, 2000 * 2 ** polls, doubt.notAfter - askedAt), signal);
      polls += 1;
    }
  }

  /** The earliest unclaimed request with the doubt's digest sent after its intent; claimed. */
  #take(doubt: Doubt): string | undefined {
    const candidates = this.#views.get(doubt.endpoint)?.byDigest.get(doubt.digest) ?? [];
    const found = candidates
      .filter((c) => c.sentAt >= doubt.since - this.#skewMs && !this.#claimed.has(c.request))
      .sort((a, b) => a.sentAt - b.sentAt)[0];
    if (found) this.#claimed.add(found.request);
    return found?.request;
  }

  #view(endpoint: string): EndpointView {
    let view = this.#views.get(endpoint);
    if (!view) {
      view = {
        byDigest: new Map(),
        seen: new Set(),
        coveredFrom: Number.POSITIVE_INFINITY,
        listedAt: Number.NEGATIVE_INFINITY,
        pending: undefined,
      };
      this.#views.set(endpoint, view);
    }
    return view;
  }

  /** Makes sure a listing that began at or after `notBefore` covers requests sent from `from`. */
  async #fresh(history: RequestHistory, endpoint: string, from: number, notBefore: number): Promise<void> {
    const view = this.#view(endpoint);
    while (view.listedAt < notBefore || view.coveredFrom > from) {
      if (view.pending) {
        await view.pending;
        continue;
      }
      const startedAt = this.options.clock.now();
      // Items come by end time: after a full listing, only what ended since is new.
      const full = view.coveredFrom > from;
      const listFrom = full ? from : view.listedAt - this.#skewMs;
      view.pending = this.#list(history, endpoint, view, listFrom).then(() => {
        view.listedAt = startedAt;
        if (full) view.coveredFrom = from;
      });
      try {
        await view.pending;
      } finally {
        view.pending = undefined;
      }
    }
  }

  async #list(history: RequestHistory, endpoint: string, view: EndpointView, from: number): Promise<void> {
    const entries: HistoryEntry[] = await history.list({ endpointId: endpoint, from, payloads: true });
    for (const e of entries) {
      if (view.seen.has(e.requestId)) continue;
      view.seen.add(e.requestId);
      const digest = inputDigest(e.input);
      const list = view.byDigest.get(digest) ?? [];
      list.push({ request: e.requestId, sentAt: e.sentAt });
      view.byDigest.set(digest, list);
    }
  }
}
