import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import {
  createRequestHistory,
  type HistoryEntry,
  type HistoryQuery,
  inputDigest,
  type RequestHistory,
} from "../../src/fal/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { doubtOf } from "../../src/model/doubt.js";
import { HISTORY_HORIZON_MS, Reconciler } from "../../src/run/reconcile.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const emulators = useEmulators();

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const KEY = "sk-reconcile-secret";
const BOUNDS = { startTimeoutS: 600, maxRunTimeMs: 300_000 };
let IMAGE = "";

let emulator: Emulator | undefined;
const input = (prompt: string) => ({ prompt, image_urls: [IMAGE] });

/** Runs each prompt at the emulator to its end (listed in its history only then). */
async function runAll(em: Emulator, prompts: readonly string[]): Promise<string[]> {
  const fal = createFalClient({ credentials: () => KEY, fetch: redirectingFetch(em.url) });
  IMAGE = await fal.storage.upload(new File([await pngBytes(32, 32)], "in.png", { type: "image/png" }));
  const ids: string[] = [];
  for (const prompt of prompts)
    ids.push(
      (await fal.subscribe(V45, { input: input(prompt), mode: "polling", pollInterval: 5 })).requestId,
    );
  return ids;
}

function reconciler(em: Emulator, clock: VirtualClock, key = KEY) {
  const history = createRequestHistory({ target: { kind: "base-url", baseUrl: em.url }, credentials: key });
  return new Reconciler({ history, clock, pollMs: 15_000 });
}

const listings = (em: Emulator) => em.requests.filter((r) => r.op === "history").length;
const never = () => undefined;

describe("reconciling submits in doubt with fal's request history (real client, emulator over HTTP)", () => {
  it("finds the request by its exact input, gives each request to one doubt, and says absent only past the bound", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const clock = new VirtualClock(Date.now() - 1000);
    const [a1, , a2] = await runAll(emulator, ["a", "b", "a"]);
    const r = reconciler(emulator, clock);
    const since = clock.now();
    // Key order does not matter: the digest is of the input's JSON with sorted keys.
    const doubt = doubtOf(V45, inputDigest({ image_urls: [IMAGE], prompt: "a" }), since, BOUNDS);
    expect(await r.resolve(doubt, never)).toEqual({ kind: "found", request: a1 });
    expect(await r.resolve(doubt, never)).toEqual({ kind: "found", request: a2 });
    // Both requests of that input are claimed now: the third waits for the bound, then is absent.
    const waits: number[] = [];
    const third = await r.resolve(doubt, never, undefined, (until) => waits.push(until));
    expect(third).toEqual({ kind: "absent" });
    expect(waits).toEqual([doubt.notAfter]);
    expect(clock.now()).toBeGreaterThanOrEqual(doubt.notAfter);
    // A request claimed by a job of the run (known from the journal) is never given away.
    const other = reconciler(emulator, clock);
    other.claim(a1 ?? "");
    expect(await other.resolve(doubtOf(V45, inputDigest(input("a")), since, BOUNDS), never)).toEqual({
      kind: "found",
      request: a2,
    });
    // Something sent before the intent (beyond the clock skew) is not this submit.
    const late = doubtOf(V45, inputDigest(input("b")), Date.now() + 120_000, BOUNDS);
    expect(await reconciler(emulator, new VirtualClock(late.notAfter)).resolve(late, never)).toEqual({
      kind: "absent",
    });
  });

  it("with a fal profile: waits its measured listing delay past the bound, and where matching is unverified never says absent", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const history = createRequestHistory({
      target: { kind: "base-url", baseUrl: emulator.url },
      credentials: KEY,
    });
    const start = Date.now();
    const doubt = doubtOf(V45, inputDigest(input("never sent")), start, BOUNDS);
    const delayMs = 40_000;
    const verified = { unverified: () => undefined, listingDelayMs: () => delayMs };
    const clock = new VirtualClock(start);
    const waits: number[] = [];
    const absent = await new Reconciler({ history, clock, trust: verified }).resolve(
      doubt,
      never,
      undefined,
      (until) => waits.push(until),
    );
    expect(absent).toEqual({ kind: "absent" });
    expect(waits).toEqual([doubt.notAfter + delayMs]);
    expect(clock.now()).toBeGreaterThanOrEqual(doubt.notAfter + delayMs);

    const why =
      "doctor --live found that fal's request history does not list a request by the exact input sent";
    const unverified = { unverified: () => why, listingDelayMs: () => 0 };
    const left = await new Reconciler({ history, clock: new VirtualClock(start), trust: unverified }).resolve(
      doubt,
      never,
    );
    expect(left).toMatchObject({ kind: "unknown", lasting: true });
    expect(left.kind === "unknown" && left.reason).toContain(why);
  });

  it("shares one listing between the doubts that ask together", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const clock = new VirtualClock(Date.now() - 1000);
    const prompts = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const ids = await runAll(emulator, prompts);
    const r = reconciler(emulator, clock);
    const before = listings(emulator);
    const found = await Promise.all(
      prompts.map((p) => r.resolve(doubtOf(V45, inputDigest(input(p)), clock.now(), BOUNDS), never)),
    );
    expect(found).toEqual(ids.map((request) => ({ kind: "found", request })));
    expect(listings(emulator) - before).toBe(1);
  });

  it("stops waiting when the run stops, and says when the history cannot be read with this key", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const clock = new VirtualClock(Date.now());
    let stop: string | undefined;
    const doubt = doubtOf(V45, inputDigest(input("never sent")), clock.now(), BOUNDS);
    const waited = reconciler(emulator, clock).resolve(
      doubt,
      () => stop,
      undefined,
      () => {
        stop = "not submitted: the run was interrupted";
      },
    );
    expect(await waited).toEqual({
      kind: "unknown",
      reason: "not submitted: the run was interrupted",
      lasting: false,
    });
    const refused = await reconciler(emulator, clock, "sk-another-key").resolve(doubt, never);
    expect(refused).toMatchObject({ kind: "unknown", lasting: true });
    expect(JSON.stringify(refused)).not.toContain("sk-another-key");
  });

  it("says absent only from a whole listing begun after the bound, even where fal's `start` filters on the send time", async () => {
    const clock = new VirtualClock();
    const since = clock.now();
    const history = new TimedHistory(clock);
    // Sent just after the intent, listed only once it ends, 200 s later.
    history.add("r-slow", input("slow"), since + 1000, since + 200_000);
    const r = new Reconciler({ history, clock, pollMs: 15_000 });
    const doubt = doubtOf(V45, inputDigest(input("slow")), since, {
      startTimeoutS: 60,
      maxRunTimeMs: 140_000,
    });
    expect(await r.resolve(doubt, never)).toEqual({ kind: "found", request: "r-slow" });
    // The listings while waiting were incremental; the one that decided began after the bound.
    expect(history.queries.at(-1)?.from).toBeLessThanOrEqual(since);
  });

  it("decides no doubt while a submit of the same input waits for its answer, so two jobs never share a request", async () => {
    const clock = new YieldingClock();
    const since = clock.now();
    const history = new TimedHistory(clock);
    history.add("r-a", input("same"), since + 10, since + 20);
    const r = new Reconciler({ history, clock, pollMs: 15_000 });
    const digest = inputDigest(input("same"));
    r.sendStarted(digest); // job A's submit: fal has it (r-a), its answer is on the way
    const doubt = doubtOf(V45, digest, since, { startTimeoutS: 2, maxRunTimeMs: 1000 });
    const b = r.resolve(doubt, never);
    // B waits past its bound, when it could decide, and still does not while A's answer is out.
    while (clock.now() <= doubt.notAfter + 30_000) await new Promise((resolve) => setImmediate(resolve));
    r.sendEnded(digest, "r-a"); // A learns r-a: B's own submit never reached fal
    expect(await b).toEqual({ kind: "absent" });
  });

  it("looks again at an item listed before its input was, shares one full listing between doubts, and leaves a doubt past the history's horizon to a person", async () => {
    const clock = new VirtualClock();
    const since = clock.now();
    const history = new TimedHistory(clock);
    history.add("r-late-input", input("x"), since + 10, since + 20, since + 40_000);
    const r = new Reconciler({ history, clock, pollMs: 15_000 });
    const bounds = { startTimeoutS: 60, maxRunTimeMs: 60_000 };
    const x = r.resolve(doubtOf(V45, inputDigest(input("x")), since, bounds), never);
    expect(await x).toEqual({ kind: "found", request: "r-late-input" });

    // Three doubts past their bound, asked together (after a restart, say).
    const later = clock.now() + 1000;
    clock.advance(10_000);
    const before = history.queries.length;
    const doubts = ["p", "q", "s"].map((p, i) =>
      doubtOf(V45, inputDigest(input(p)), later - i * 10, { startTimeoutS: 2, maxRunTimeMs: 0 }),
    );
    expect(await Promise.all(doubts.map((d) => r.resolve(d, never)))).toEqual(
      doubts.map(() => ({ kind: "absent" })),
    );
    expect(history.queries.length - before).toBe(1);

    const old = doubtOf(V45, inputDigest(input("old")), clock.now() - HISTORY_HORIZON_MS - 1, bounds);
    expect(await r.resolve(old, never)).toMatchObject({ kind: "unknown", lasting: true });
  });
});

/** A virtual clock whose sleep lets the event loop turn (timers, I/O) before time moves on. */
class YieldingClock extends VirtualClock {
  override async sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.time += Math.max(0, ms);
  }
}

/**
 * fal's history as the reconciler must survive it: an item is listed once its request ended
 * (its input, optionally, only later), and `start` filters on the send time.
 */
class TimedHistory implements RequestHistory {
  readonly queries: HistoryQuery[] = [];
  readonly #items: Array<{ id: string; input: unknown; sentAt: number; endedAt: number; inputAt: number }> =
    [];

  constructor(readonly clock: VirtualClock) {}

  add(id: string, input: unknown, sentAt: number, endedAt: number, inputAt = endedAt): void {
    this.#items.push({ id, input, sentAt, endedAt, inputAt });
  }

  async list(query: HistoryQuery): Promise<HistoryEntry[]> {
    this.queries.push(query);
    const now = this.clock.now();
    return this.#items
      .filter((i) => i.endedAt <= now && i.sentAt >= (query.from ?? 0))
      .map((i) => ({
        requestId: i.id,
        endpointId: V45,
        sentAt: i.sentAt,
        startedAt: i.sentAt,
        endedAt: i.endedAt,
        statusCode: 200,
        input: i.inputAt <= now ? i.input : null,
      }));
  }

  async findRequestByInput(): Promise<HistoryEntry | undefined> {
    throw new Error("the reconciler lists; it does not search one input at a time");
  }

  async findById(): Promise<HistoryEntry | undefined> {
    throw new Error("the reconciler lists; it does not look requests up by id");
  }

  readonly skipped = 0;
}
