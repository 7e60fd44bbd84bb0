import { createFalClient } from "@fal-ai/client";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import {
  createEditClient,
  type FalRequestRef,
  type FalStatus,
  redirectingFetch,
  StreamSilentError,
} from "../../src/fal/index.js";
import { pngBytes } from "../helpers/images.js";
import { ManualClock } from "../helpers/manual-clock.js";

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const KEY = "sk-queue-test";

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function setUp(options: EmulatorOptions, fetchImpl?: typeof fetch, clock?: ManualClock) {
  emulator = await startEmulator({ apiKeys: [KEY], render: "fast", ...options });
  const client = createEditClient({
    target: { kind: "base-url", baseUrl: emulator.url },
    credentials: KEY,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(clock ? { clock } : {}),
  });
  const image = await client.upload({
    bytes: await pngBytes(32, 32),
    contentType: "image/png",
    fileName: "in.png",
  });
  return { em: emulator, client, input: { prompt: "A shoe.", image_urls: [image] } };
}

/** Resolves once `predicate` holds, checked on every event loop turn (no timed waits). */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

describe("the edit client reaches a request by the URLs fal returned", () => {
  it("status, stream, result and cancel go where the submit reply said, and nowhere else", async () => {
    const { em, client, input } = await setUp({ queuePathPrefix: "/q", inferenceMs: 20 });
    const sent = await client.submit(V45, input);
    const root = `${em.url}/q/fal-ai/bytedance/requests/${sent.requestId}`;
    expect(sent.urls).toEqual({ status: `${root}/status`, response: root, cancel: `${root}/cancel` });
    const ref: FalRequestRef = { id: sent.requestId, urls: sent.urls };
    const final = await client.follow(V45, ref, () => {});
    expect(final.status).toBe("COMPLETED");
    expect((await client.status(V45, ref)).status).toBe("COMPLETED");
    const result = await client.result(V45, ref);
    expect((result.data as { images: unknown[] }).images).toHaveLength(1);
    await client.cancel(V45, ref).catch(() => undefined); // ALREADY_COMPLETED
    const paths = em.requests
      .filter((r) => r.requestId === sent.requestId && r.op !== "submit")
      .map((r) => r.path);
    expect(paths).toEqual([
      `/q/fal-ai/bytedance/requests/${sent.requestId}/status/stream`,
      `/q/fal-ai/bytedance/requests/${sent.requestId}/status`,
      `/q/fal-ai/bytedance/requests/${sent.requestId}`,
      `/q/fal-ai/bytedance/requests/${sent.requestId}/cancel`,
    ]);
    // A client that builds the URL from the endpoint id, as @fal-ai/client does, is not served.
    const building = createFalClient({ credentials: () => KEY, fetch: redirectingFetch(em.url) });
    await expect(building.queue.status(V45, { requestId: sent.requestId })).rejects.toMatchObject({
      status: 404,
    });
    // Without URLs (an older journal), the client's own are used: at fal's paths they are served.
    const plain = await setUp({ inferenceMs: 20 });
    const again = await plain.client.submit(V45, plain.input);
    expect((await plain.client.follow(V45, { id: again.requestId }, () => {})).status).toBe("COMPLETED");
  });

  it("a journaled URL on another host is not followed: the key never leaves for it", async () => {
    const seen: string[] = [];
    const spy: typeof fetch = (url, init) => {
      seen.push(String(url));
      return fetch(url, init);
    };
    const { client, input } = await setUp({ inferenceMs: 10 }, spy);
    const sent = await client.submit(V45, input);
    const bad = `https://evil.example/requests/${sent.requestId}`;
    const ref = {
      id: sent.requestId,
      urls: { status: `${bad}/status`, response: bad, cancel: `${bad}/cancel` },
    };
    expect((await client.follow(V45, ref, () => {})).status).toBe("COMPLETED");
    expect(seen.filter((u) => u.includes("evil"))).toEqual([]);
  });

  it("submits carry the media lifetime and, when asked, X-Fal-Store-IO: 0", async () => {
    const { em, client, input } = await setUp({ inferenceMs: 10 });
    await client.submit(V45, input, { mediaLifetimeS: 1_209_600, storeIo: false });
    await client.submit(V45, input);
    const submits = em.requests.filter((r) => r.op === "submit").map((r) => r.headers);
    expect(submits[0]?.["x-fal-object-lifecycle-preference"]).toBe('{"expiration_duration_seconds":1209600}');
    expect(submits[0]?.["x-fal-store-io"]).toBe("0");
    expect(submits[1]?.["x-fal-object-lifecycle-preference"]).toBeUndefined();
    expect(submits[1]?.["x-fal-store-io"]).toBeUndefined();
  });
});

describe("a status stream that goes silent", () => {
  it("is given up after 45 s without a byte, on the injected clock; the request is then polled to the end", async () => {
    const clock = new ManualClock();
    const { em, client, input } = await setUp(
      { inferenceMs: "hold", faults: { silentStreams: true } },
      undefined,
      clock,
    );
    const sent = await client.submit(V45, input);
    const ref = { id: sent.requestId, urls: sent.urls };
    const statuses: FalStatus["status"][] = [];
    let outcome: unknown;
    const following = client
      .follow(V45, ref, (s) => statuses.push(s.status))
      .then(
        (s) => (outcome = s),
        (e: unknown) => (outcome = e),
      );
    await until(() => statuses.length === 1 && clock.sleeping === 1);
    clock.advance(44_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await following;
    expect(outcome).toBeInstanceOf(StreamSilentError);
    expect((outcome as Error).message).toBe(
      "the status stream sent nothing for 45 s (fal sends a keep-alive at least every 15 s)",
    );
    em.release();
    await until(() => em.stats().requests.some((r) => r.outcome !== "pending"));
    expect((await client.status(V45, ref)).status).toBe("COMPLETED");
  });

  it("is kept while keep-alive comments arrive, however long the request runs", async () => {
    const clock = new ManualClock();
    let keepAlives = 0;
    const counting: typeof fetch = async (url, init) => {
      const response = await fetch(url, init);
      if (!String(url).endsWith("/status/stream?logs=0") || !response.body) return response;
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            if (new TextDecoder().decode(chunk).includes(": keep-alive")) keepAlives += 1;
            c.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const { em, client, input } = await setUp({ inferenceMs: "hold", streamKeepAliveMs: 5 }, counting, clock);
    const sent = await client.submit(V45, input);
    let done: FalStatus | undefined;
    const following = client
      .follow(V45, { id: sent.requestId, urls: sent.urls }, () => {})
      .then((s) => (done = s));
    for (let minute = 0; minute < 4; minute++) {
      const heard = keepAlives;
      await until(() => keepAlives > heard && clock.sleeping === 1);
      clock.advance(30_000);
    }
    expect(done).toBeUndefined();
    em.release();
    await following;
    expect(done?.status).toBe("COMPLETED");
  });
});
