import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { createRequestHistory, PlatformApiError } from "../../src/fal/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";

const emulators = useEmulators();

const V45: string = "fal-ai/bytedance/seedream/v4.5/edit";
const KEY = "sk-history-secret";

let emulator: Emulator | undefined;
function fal(em: Emulator) {
  return createFalClient({ credentials: () => KEY, fetch: redirectingFetch(em.url) });
}

function history(em: Emulator, pageSize = 100) {
  return createRequestHistory({ target: { kind: "base-url", baseUrl: em.url }, credentials: KEY, pageSize });
}

async function runAll(em: Emulator, prompts: readonly string[], image: string): Promise<string[]> {
  const ids: string[] = [];
  for (const prompt of prompts)
    ids.push(
      (
        await fal(em).subscribe(V45, {
          input: { prompt, image_urls: [image] },
          mode: "polling",
          pollInterval: 5,
        })
      ).requestId,
    );
  return ids;
}

async function upload(em: Emulator): Promise<string> {
  return fal(em).storage.upload(new File([await pngBytes(32, 32)], "in.png", { type: "image/png" }));
}

describe("request history client, against the emulator over HTTP", () => {
  it("lists an endpoint's requests in a window, following every page, with payloads when asked", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const image = await upload(emulator);
    const from = Date.now() - 1000;
    const ids = await runAll(emulator, ["a", "b", "c", "d", "e"], image);
    const entries = await history(emulator, 2).list({ endpointId: V45, from, payloads: true });
    expect(entries.map((e) => e.requestId).sort()).toEqual([...ids].sort());
    expect(entries.map((e) => (e.input as { prompt: string }).prompt).sort()).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    for (const e of entries) {
      expect(e).toMatchObject({ endpointId: V45, statusCode: 200 });
      expect(e.sentAt).toBeGreaterThanOrEqual(from);
      expect(e.endedAt).toBeGreaterThanOrEqual(e.sentAt);
    }
    const pages = emulator.requests.filter((r) => r.op === "history");
    expect(pages.map((r) => [r.path, r.query.limit, r.query.cursor ?? null, r.hadAuthorization])).toEqual([
      ["/v1/models/requests/by-endpoint", "2", null, true],
      ["/v1/models/requests/by-endpoint", "2", "Mg==", true],
      ["/v1/models/requests/by-endpoint", "2", "NA==", true],
    ]);
    const plain = await history(emulator).list({ endpointId: V45, from });
    expect(plain.every((e) => !("input" in e))).toBe(true);
    expect(await history(emulator).list({ endpointId: V45, from: Date.now() + 60_000 })).toEqual([]);
  });

  it("finds the request fal accepted for an exact input sent after a time, and nothing else", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", apiKeys: [KEY] });
    const image = await upload(emulator);
    const input = { prompt: "wanted", image_urls: [image], num_images: 1 };
    const run = (i: Record<string, unknown>) =>
      fal(emulator as Emulator).subscribe(V45, { input: i, mode: "polling", pollInterval: 5 });
    const early = await run(input);
    const earlySentAt = (await history(emulator).list({ endpointId: V45, from: 0 }))[0]?.sentAt ?? 0;
    while (Date.now() <= earlySentAt) await new Promise((r) => setImmediate(r));
    const intent = Date.now();
    const later = await run({ num_images: 1, image_urls: [image], prompt: "wanted" }); // same input, keys reordered
    await run({ ...input, num_images: 2 });
    const find = (q: { input?: unknown; sentAfter: number }) =>
      history(emulator as Emulator).findRequestByInput({ endpointId: V45, input, clockSkewMs: 0, ...q });
    expect((await find({ sentAfter: intent }))?.requestId).toBe(later.requestId);
    expect((await find({ sentAfter: earlySentAt }))?.requestId).toBe(early.requestId);
    expect(await find({ sentAfter: intent, input: { ...input, prompt: "never sent" } })).toBeUndefined();
    expect(
      await find({ sentAfter: intent, input: { prompt: "wanted", image_urls: [image] } }),
    ).toBeUndefined();
    expect(await find({ sentAfter: Date.now() + 3_600_000 })).toBeUndefined();
  });

  it("finds a request whose submit answer never reached the client, once it has ended", async () => {
    emulator = await emulators.start({
      inferenceMs: "hold",
      render: "fast",
      apiKeys: [KEY],
      faults: { delaySubmitAnswerMs: "hold" },
    });
    const image = await upload(emulator);
    const input = { prompt: "in doubt", image_urls: [image] };
    const intent = Date.now();
    const abort = new AbortController();
    const client = createFalClient({
      credentials: () => KEY,
      fetch: (url, init) => redirectingFetch(emulator?.url ?? "")(url, { ...init, signal: abort.signal }),
    });
    const lost = client.queue.submit(V45, { input }).catch((e: unknown) => e);
    await emulator.waitFor((s) => s.submits.accepted === 1);
    abort.abort(); // the client gives up: the answer never comes
    expect(await lost).toBeInstanceOf(Error);
    await emulator.waitFor((s) => s.submits.unanswered === 1);
    // Still running at fal: not listed yet, so its fate is unknown.
    expect(
      await history(emulator).findRequestByInput({ endpointId: V45, input, sentAfter: intent }),
    ).toBeUndefined();
    emulator.release();
    await emulator.waitFor((s) => s.billing.completed === 1);
    const found = await history(emulator).findRequestByInput({ endpointId: V45, input, sentAfter: intent });
    expect(found?.requestId).toBe(emulator.stats().requests[0]?.id);
  });

  it("fails with PlatformApiError on a refused key or no answer, never quoting the key", async () => {
    emulator = await emulators.start({ inferenceMs: 0, apiKeys: [KEY] });
    const wrong = createRequestHistory({
      target: { kind: "base-url", baseUrl: emulator.url },
      credentials: "sk-wrong-secret",
    });
    const denied = await wrong.list({ endpointId: V45, from: 0 }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PlatformApiError);
    expect(denied).toMatchObject({ status: 401, code: "FAL_PLATFORM_API" });
    expect(String((denied as Error).message)).toBe(
      "GET /models/requests/by-endpoint: HTTP 401: Invalid API key",
    );
    emulator.outage({ kind: "refuse" });
    const away = await history(emulator)
      .list({ endpointId: V45, from: 0 })
      .catch((e: unknown) => e);
    expect(away).toBeInstanceOf(PlatformApiError);
    expect((away as PlatformApiError).status).toBeUndefined();
    expect(JSON.stringify([String(denied), String(away)])).not.toMatch(/secret/);
  });
});
