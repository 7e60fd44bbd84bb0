import { createFalClient } from "@fal-ai/client";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { createRequestHistory } from "../../src/fal/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { doubtOf, Reconciler } from "../../src/run/reconcile.js";
import { pngBytes } from "../helpers/images.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const KEY = "sk-reconcile-secret";
const BOUNDS = { startTimeoutS: 600, maxRunTimeMs: 300_000 };
let IMAGE = "";

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

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
    emulator = await startEmulator({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const clock = new VirtualClock(Date.now() - 1000);
    const [a1, , a2] = await runAll(emulator, ["a", "b", "a"]);
    const r = reconciler(emulator, clock);
    const since = clock.now();
    // Key order does not matter: the digest is of the input's JSON with sorted keys.
    const doubt = doubtOf(V45, { image_urls: [IMAGE], prompt: "a" }, since, BOUNDS);
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
    expect(await other.resolve(doubtOf(V45, input("a"), since, BOUNDS), never)).toEqual({
      kind: "found",
      request: a2,
    });
    // Something sent before the intent (beyond the clock skew) is not this submit.
    const late = doubtOf(V45, input("b"), Date.now() + 120_000, BOUNDS);
    expect(await reconciler(emulator, new VirtualClock(late.notAfter)).resolve(late, never)).toEqual({
      kind: "absent",
    });
  });

  it("shares one listing between the doubts that ask together", async () => {
    emulator = await startEmulator({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const clock = new VirtualClock(Date.now() - 1000);
    const prompts = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const ids = await runAll(emulator, prompts);
    const r = reconciler(emulator, clock);
    const before = listings(emulator);
    const found = await Promise.all(
      prompts.map((p) => r.resolve(doubtOf(V45, input(p), clock.now(), BOUNDS), never)),
    );
    expect(found).toEqual(ids.map((request) => ({ kind: "found", request })));
    expect(listings(emulator) - before).toBe(1);
  });

  it("stops waiting when the run stops, and says when the history cannot be read with this key", async () => {
    emulator = await startEmulator({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const clock = new VirtualClock(Date.now());
    let stop: string | undefined;
    const doubt = doubtOf(V45, input("never sent"), clock.now(), BOUNDS);
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
});
