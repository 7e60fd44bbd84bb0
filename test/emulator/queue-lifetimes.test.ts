import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { createEditClient, createRequestHistory } from "../../src/fal/index.js";
import { pngBytes } from "../helpers/images.js";

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const KEY = "sk-lifetimes";

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function setUp(options: EmulatorOptions) {
  emulator = await startEmulator({ apiKeys: [KEY], render: "fast", inferenceMs: 10, ...options });
  const target = { kind: "base-url" as const, baseUrl: emulator.url };
  const client = createEditClient({ target, credentials: KEY });
  const history = createRequestHistory({ target, credentials: KEY });
  const image = await client.upload({
    bytes: await pngBytes(32, 32),
    contentType: "image/png",
    fileName: "in.png",
  });
  /** Submits one request and waits for it to complete; its result's image URL. */
  const complete = async (options: Parameters<typeof client.submit>[2] = {}) => {
    const sent = await client.submit(V45, { prompt: "A shoe.", image_urls: [image] }, options);
    const ref = { id: sent.requestId, urls: sent.urls };
    await client.follow(V45, ref, () => {});
    return ref;
  };
  return { em: emulator, client, history, complete };
}

const imageUrl = (data: unknown) => (data as { images: Array<{ url: string }> }).images[0]?.url ?? "";

describe("the emulator keeps what fal keeps, as long as fal keeps it", () => {
  it("a queue result that expires is 404 to the queue, while the history keeps its payloads and its files stay", async () => {
    const { em, client, history, complete } = await setUp({});
    const ref = await complete();
    const { data } = await client.result(V45, ref);
    expect(em.expireResult(ref.id)).toBe(true);
    await expect(client.status(V45, ref)).rejects.toMatchObject({ status: 404 });
    await expect(client.result(V45, ref)).rejects.toMatchObject({ status: 404 });
    const entry = await history.findById(V45, ref.id);
    expect(entry).toMatchObject({ requestId: ref.id, statusCode: 200, output: data });
    expect((await fetch(imageUrl(data))).status).toBe(200);
    // forget: fal no longer knows it at all.
    expect(em.forget(ref.id)).toBe(true);
    expect(await history.findById(V45, ref.id)).toBeUndefined();
  });

  it("queueResultTtlMs expires each result on its own, after completion", async () => {
    const { client, complete } = await setUp({ queueResultTtlMs: 30 });
    const ref = await complete();
    for (let tries = 0; tries < 10_000; tries++) {
      const gone = await client.status(V45, ref).then(
        () => false,
        (e: { status?: number }) => e.status === 404,
      );
      if (gone) return;
    }
    throw new Error("the queue result never expired");
  });

  it("the history lists an ended request only after its listing delay, and bad items when told to", async () => {
    const { em, history, complete } = await setUp({
      faults: { historyDelayMs: 3_600_000, historyBadItems: 2 },
    });
    const ref = await complete();
    expect(await history.findById(V45, ref.id)).toBeUndefined();
    expect(history.skipped).toBe(2);
    em.setFaults({});
    expect((await history.findById(V45, ref.id))?.requestId).toBe(ref.id);
    expect(history.skipped).toBe(2);
  });

  it("X-Fal-Store-IO: 0 keeps the request's payloads out of the history", async () => {
    const { history, complete } = await setUp({});
    const kept = await complete();
    const notKept = await complete({ storeIo: false });
    expect((await history.findById(V45, kept.id))?.input).toMatchObject({ prompt: "A shoe." });
    const entry = await history.findById(V45, notKept.id);
    expect(entry).toMatchObject({ requestId: notKept.id, statusCode: 200 });
    expect([entry?.input, entry?.output]).toEqual([undefined, undefined]);
  });

  it("generated files live as the submit's lifecycle preference says, else as the account's default", async () => {
    const { client, complete } = await setUp({ defaultMediaLifetimeMs: 1 });
    const short = await client.result(V45, await complete());
    const kept = await client.result(V45, await complete({ mediaLifetimeS: 1_209_600 }));
    expect((await fetch(imageUrl(short.data))).status).toBe(404);
    expect((await fetch(imageUrl(kept.data))).status).toBe(200);
  });

  it("a status stream sends keep-alive comments while the request waits", async () => {
    const { em, client } = await setUp({ inferenceMs: "hold", streamKeepAliveMs: 5 });
    const image = `${em.url}/nowhere.png`;
    const sent = await client.submit(V45, { prompt: "A shoe.", image_urls: [image] });
    const response = await fetch(`${sent.urls?.status}/stream`, { headers: { authorization: `Key ${KEY}` } });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes(": keep-alive\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith('data: {"status":')).toBe(true);
    await reader.cancel();
  });
});
