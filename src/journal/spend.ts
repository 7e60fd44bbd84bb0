import { resultImageCount } from "../model/image-record.js";
import type { Spend, SpendCarry } from "../model/spend.js";
import type { Job } from "../plan/index.js";
import type { JournalEntry } from "./journal.js";
import { once } from "./key-state.js";

/** The price per image and most images of a job key's requests (see `priceBook`). */
export type PriceOf = (key: string, endpointId: string | undefined) => { usd: number; most: number };

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * Prices for the tally: a key of the manifest by its job (price × most images), any other key
 * by its endpoint's price (one image), else nothing.
 */
export function priceBook(
  jobs: readonly Job[],
  endpointPrices: ReadonlyArray<{ endpointId: string; unitPriceUsd: number }>,
): PriceOf {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const byEndpoint = new Map(endpointPrices.map((p) => [p.endpointId, p.unitPriceUsd]));
  return (key, endpointId) => {
    const job = byKey.get(key);
    if (job) return { usd: job.pricePerImageUsd, most: job.expectedImages.max };
    return { usd: (endpointId && byEndpoint.get(endpointId)) || 0, most: 1 };
  };
}

/** A request the journal knows: its key, endpoint, the run that sent it, and how it stands. */
export interface Req {
  readonly key: string;
  readonly endpoint: string;
  readonly run: string | undefined;
  state: "pending" | "completed" | "failed";
  images: number;
}

/**
 * Each request the journal knows and each submit left in doubt, with the run that sent it,
 * followed one journal line at a time (a journal is replayed as it is read, never held whole).
 */
export class SpendFollow {
  readonly requests = new Map<string, Req>();
  readonly #current = new Map<string, string>();
  /** key → run of a submit with no answer yet. */
  readonly #open = new Map<string, string | undefined>();
  readonly #doubts = new Map<string, string | undefined>();
  readonly carried: Array<SpendCarry & { run: string | undefined }> = [];
  #run: string | undefined;

  #end(request: string | undefined, state: Req["state"]): void {
    const r = request === undefined ? undefined : this.requests.get(request);
    if (r && r.state === "pending") r.state = state;
  }

  /** Takes in one journal line. */
  add(e: JournalEntry): void {
    // Long because it is one branch per journal line type that says something of a request.
    const open = this.#open;
    if (e.type === "run") this.#run = e.run;
    else if (e.type === "spent") this.carried.push({ ...e, run: this.#run });
    else if (e.type === "submitting") {
      open.set(e.key, this.#run);
      this.#doubts.delete(e.key);
    } else if (e.type === "submitted") {
      // The request it replaces (fal failed or lost it) can no longer finish the job.
      this.#end(this.#current.get(e.key), "failed");
      // Sent by the run that journaled the submit (a later run may have found it in fal's history).
      const sentBy = open.has(e.key) ? open.get(e.key) : this.#run;
      open.delete(e.key);
      this.#current.set(e.key, e.request);
      this.requests.set(e.request, {
        key: e.key,
        endpoint: once(e.endpoint),
        run: sentBy,
        state: "pending",
        images: 0,
      });
    } else if (e.type === "completed") {
      const r = this.requests.get(e.request);
      if (r) Object.assign(r, { state: "completed", images: resultImageCount(e.result) });
    } else if (e.type === "failed" || e.type === "unfinished") {
      if (e.type === "failed") this.#end(e.request, "failed");
      // A submit that ended without an answer is in doubt; one fal refused (or never got) is not.
      if (e.request === undefined && e.class === "in-doubt")
        this.#doubts.set(e.key, open.get(e.key) ?? this.#run);
      if (e.request === undefined) open.delete(e.key);
    } else if (e.type === "canceled" || e.type === "expired") this.#end(e.request, "failed");
  }

  /** The submits left in doubt so far (a submit with no answer is in doubt too), by key. */
  doubts(): Map<string, string | undefined> {
    const doubts = new Map(this.#doubts);
    for (const [key, at] of this.#open) doubts.set(key, at);
    return doubts;
  }
}

function follow(entries: readonly JournalEntry[]) {
  const f = new SpendFollow();
  for (const e of entries) f.add(e);
  return f;
}

const FIELDS = [
  "accepted",
  "completed",
  "images",
  "completed_usd",
  "failed",
  "pending",
  "pending_usd",
  "in_doubt",
  "in_doubt_usd",
] as const satisfies ReadonlyArray<keyof SpendCarry>;

/** `a` + `sign` × `b`, field by field (only the tally's fields). */
function add(a: SpendCarry, b: SpendCarry, sign = 1): SpendCarry {
  const out = {} as Record<keyof SpendCarry, number>;
  for (const k of FIELDS) out[k] = round(a[k] + sign * b[k]);
  return out;
}

const empty = (): SpendCarry => Object.fromEntries(FIELDS.map((k) => [k, 0])) as unknown as SpendCarry;

/**
 * The spend the journal's lines say, in total and for the run `runId` (the requests that run
 * sent). Pure. Requests fal accepted are `submitted` lines; each is completed once its result
 * is journaled, failed once canceled, expired, failed for good or replaced by a new request,
 * and pending otherwise (the next run re-attaches to it). A submit with no answer is in doubt.
 */
export function tallySpend(
  entries: readonly JournalEntry[] | SpendFollow,
  priceOf: PriceOf,
  runId?: string,
): { total: SpendCarry; run: SpendCarry } {
  const followed = entries instanceof SpendFollow ? entries : follow(entries);
  const { requests, carried } = followed;
  const doubts = followed.doubts();
  let total = empty();
  let ofRun = empty();
  const count = (one: SpendCarry, at: string | undefined) => {
    total = add(total, one);
    if (runId !== undefined && at === runId) ofRun = add(ofRun, one);
  };
  for (const c of carried) count(add(empty(), c), c.run);
  for (const r of requests.values()) {
    const { usd, most } = priceOf(r.key, r.endpoint);
    const one = { ...empty(), accepted: 1 };
    if (r.state === "completed") {
      // A result listing more images than the job asks for is refused unwritten: never billed past that.
      const images = Math.min(r.images, most);
      count({ ...one, completed: 1, images, completed_usd: images * usd }, r.run);
    } else if (r.state === "failed") count({ ...one, failed: 1 }, r.run);
    else count({ ...one, pending: 1, pending_usd: most * usd }, r.run);
  }
  for (const [key, at] of doubts) {
    const { usd, most } = priceOf(key, undefined);
    count({ ...empty(), in_doubt: 1, in_doubt_usd: most * usd }, at);
  }
  return { total, run: ofRun };
}

/**
 * What a `spent` line must carry when the journal's lines `before` are replaced by `after`
 * (a compaction, or `--fresh` with nothing after): the difference of their tallies, or
 * undefined when nothing is lost.
 */
export function carrySpend(
  before: readonly JournalEntry[] | SpendFollow,
  after: readonly JournalEntry[] | SpendFollow,
  priceOf: PriceOf,
): SpendCarry | undefined {
  const was = tallySpend(before, priceOf).total;
  const is = tallySpend(after, priceOf).total;
  const diff = add(was, is, -1);
  return Object.values(diff).some((v) => v !== 0) ? diff : undefined;
}

/** A tally as the report's spend: counts and estimated USD of each state. */
export function spendOf(c: SpendCarry): Spend {
  return {
    accepted: { requests: c.accepted, usd: round(c.completed_usd + c.pending_usd) },
    completed: { requests: c.completed, images: c.images, usd: round(c.completed_usd) },
    failed: { requests: c.failed, usd: 0 },
    pending: { requests: c.pending, usd: round(c.pending_usd) },
    inDoubt: { requests: c.in_doubt, usd: round(c.in_doubt_usd) },
  };
}
