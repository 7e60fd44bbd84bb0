import { afterEach, describe, expect, it } from "vitest";
import {
  createEditClient,
  describeFalError,
  type EditClient,
  type FalRequestRef,
  OutageGate,
  Traffic,
} from "../../src/fal/index.js";
import type { FalOp } from "../../src/fal/traffic.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { type Act, scriptedFal } from "../helpers/scripted-fal.js";

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const ID = "0190a8f2-0000-7000-8000-000000000001";
const REF: FalRequestRef = { id: ID, urls: undefined };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The real client over loopback HTTP to a server answering every call of `op` as `act`. */
async function setUp(op: FalOp, act: Act | ((n: number) => Act), traffic?: Traffic) {
  const fal = await scriptedFal((o, n) => {
    if (o !== op) throw new Error(`unexpected ${o}`);
    return typeof act === "function" ? act(n) : act;
  });
  closers.push(fal.close);
  const client = createEditClient({
    target: { kind: "base-url", baseUrl: fal.url },
    credentials: "sk-retries",
    clock: new ManualClock(),
    ...(traffic ? { traffic } : {}),
  });
  return { fal, client };
}

/** Each kind of call the runner makes, as it makes it. */
const calls: Record<Exclude<FalOp, "other">, (c: EditClient) => Promise<unknown>> = {
  submit: (c) => c.submit(V45, { prompt: "A shoe." }),
  status: (c) => c.status(V45, REF),
  stream: (c) => c.follow(V45, REF, () => {}),
  result: (c) => c.result(V45, REF),
  cancel: (c) => c.cancel(V45, REF),
  upload: (c) => c.upload({ bytes: new Uint8Array([1, 2, 3]), contentType: "image/png", fileName: "a.png" }),
};

function callOf(op: keyof typeof calls): (c: EditClient) => Promise<unknown> {
  return calls[op];
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    return describeFalError(error);
  }
  throw new Error("the call did not fail");
}

describe("@fal-ai/client sends each call once: retrying is the runner's alone", () => {
  // The client would retry each of these itself (after a real sleep of about a second): a second
  // call at the server, or a caller that does not see the failure, means its retries are back.
  it.each(Object.keys(calls) as Array<keyof typeof calls>)(
    "%s answered 503: one call reaches fal, and the 503 reaches the caller",
    async (op) => {
      const { fal, client } = await setUp(op, { status: 503 });
      expect(await failure(callOf(op)(client))).toMatchObject({ kind: "http", status: 503 });
      expect(fal.seen.map((s) => [s.op, s.act])).toEqual([[op, 503]]);
    },
  );

  it.each(["status", "result", "cancel", "upload"] as const)(
    "%s whose connection is reset: one call reaches fal, and the failure reaches the caller",
    async (op) => {
      const { fal, client } = await setUp(op, "reset");
      expect(await failure(callOf(op)(client))).toMatchObject({ kind: "network" });
      expect(fal.seen.map((s) => [s.op, s.act])).toEqual([[op, "reset"]]);
    },
  );

  it("a submit answered 503 or 429 is sent once and told once; the 429's Retry-After closes the gate", async () => {
    const clock = new ManualClock();
    const traffic = new Traffic(clock, () => 0.5, new OutageGate({ clock }));
    const { fal, client } = await setUp(
      "submit",
      (n) => ({ status: n === 0 ? 503 : 429, headers: { "retry-after": "7" } }),
      traffic,
    );
    let told = 0;
    const submit = () => client.submit(V45, { prompt: "A shoe." }, { onSend: () => told++ });
    expect(await failure(submit())).toMatchObject({ kind: "http", status: 503 });
    expect([fal.count("submit"), told]).toEqual([1, 1]);
    expect(await failure(submit())).toMatchObject({ kind: "http", status: 429 });
    expect([fal.count("submit"), told, traffic.openAt - clock.now()]).toEqual([2, 2, 7000]);
  });

  it("a submit whose connection broke is in doubt, sent once", async () => {
    const clock = new ManualClock();
    const { fal, client } = await setUp("submit", "reset", new Traffic(clock));
    expect(await failure(client.submit(V45, { prompt: "A shoe." }))).toMatchObject({ kind: "in-doubt" });
    expect(fal.count("submit")).toBe(1);
  });

  it("a call that succeeds is read whole, and the caller's signal still ends one that hangs", async () => {
    const status = { status: "COMPLETED", request_id: ID };
    const { fal, client } = await setUp("status", (n) => (n === 0 ? { status: 200, body: status } : "hang"));
    expect(await client.status(V45, REF)).toMatchObject({ status: "COMPLETED" });
    const stop = new AbortController();
    const hung = client.status(V45, REF, stop.signal);
    while (fal.count("status") < 2) await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    await expect(hung).rejects.toMatchObject({ name: "AbortError" });
    expect(fal.count("status")).toBe(2);
    const result = await setUp("result", { status: 200, body: { images: [], seed: 3 } });
    expect((await result.client.result(V45, REF)).data).toEqual({ images: [], seed: 3 });
  });
});
