import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";

const emulators = useEmulators();

const V45: string = "fal-ai/bytedance/seedream/v4.5/edit";

let emulator: Emulator | undefined;
function client(em: Emulator) {
  return createFalClient({ credentials: () => "test-key", fetch: redirectingFetch(em.url) });
}

/**
 * One HTTP call as fal's host would get it. During an outage the tests call fal this way:
 * the client retries queue calls itself, with real waits, whatever its retry option says.
 */
async function call(em: Emulator, method: string, url: string, body?: unknown): Promise<number> {
  const response = await redirectingFetch(em.url)(url, {
    method,
    headers: { authorization: "Key test-key", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

const QUEUE = "https://queue.fal.run";

/** The code of a transport failure (the innermost `code` on the cause chain). */
function transportCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") code = c;
  }
  return code;
}

async function submitOne(em: Emulator, prompt: string): Promise<string> {
  const fal = client(em);
  const image = await fal.storage.upload(new File([await pngBytes(32, 32)], "in.png", { type: "image/png" }));
  return (await fal.queue.submit(V45, { input: { prompt, image_urls: [image] } })).request_id;
}

describe("emulator outages: fal goes away and comes back with its state", () => {
  it("refuses connections while a `refuse` outage lasts; requests accepted before it finish and are served after", async () => {
    emulator = await emulators.start({ inferenceMs: "hold", render: "fast" });
    const fal = client(emulator);
    const id = await submitOne(emulator, "before the outage");
    emulator.outage({ kind: "refuse" });
    expect(emulator.stats().outages).toMatchObject({ started: 1, active: "refuse" });

    const statusUrl = `${QUEUE}/fal-ai/bytedance/requests/${id}/status`;
    // A kept-alive connection from before fails first ("other side closed"); a new one is refused.
    await call(emulator, "GET", statusUrl).catch((e: unknown) => e);
    const refused = await call(emulator, "GET", statusUrl).catch((e: unknown) => e);
    expect(transportCode(refused)).toBe("ECONNREFUSED");
    // fal keeps running what it accepted: the request finishes during the outage.
    expect(emulator.release(id)).toBe(true);
    await emulator.waitFor((s) => s.billing.completed === 1);
    const stillRefused = await fetch(`${emulator.url}/files/none`).catch((e: unknown) => e);
    expect(transportCode(stillRefused)).toBe("ECONNREFUSED");

    await emulator.endOutage();
    expect(emulator.stats().outages.active).toBeNull();
    expect(await fal.queue.status(V45, { requestId: id })).toMatchObject({ status: "COMPLETED" });
    const result = await fal.queue.result(V45, { requestId: id });
    expect((result.data as { images: unknown[] }).images).toHaveLength(1);
    expect(emulator.stats().submits).toEqual({ accepted: 1, duplicates: 0, unanswered: 0 });
  });

  it("answers 502/503/504 to every fal call during such an outage, accepting no submit", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast" });
    const fal = client(emulator);
    const image = await fal.storage.upload(
      new File([await pngBytes(32, 32)], "in.png", { type: "image/png" }),
    );
    for (const kind of ["502", "503", "504"] as const) {
      emulator.outage({ kind });
      const submitted = await call(emulator, "POST", `${QUEUE}/${V45}`, {
        prompt: kind,
        image_urls: [image],
      });
      expect(submitted).toBe(Number(kind));
      expect(await call(emulator, "GET", "https://api.fal.ai/v1/models/pricing")).toBe(Number(kind));
    }
    await emulator.endOutage();
    // The emulator's own views stay up during an outage; the failed submits were never accepted.
    const stats = emulator.stats();
    expect(stats.submits.accepted).toBe(0);
    expect(stats.outages).toMatchObject({
      started: 3,
      active: null,
      answered: { "502": 2, "503": 2, "504": 2 },
    });
    await fal.subscribe(V45, {
      input: { prompt: "after", image_urls: [image] },
      mode: "polling",
      pollInterval: 5,
    });
    expect(emulator.stats().submits.accepted).toBe(1);
  });

  it("resets every connection during a `reset` outage and drops the connections open when it began", async () => {
    emulator = await emulators.start({ inferenceMs: "hold", render: "fast" });
    const fal = client(emulator);
    const id = await submitOne(emulator, "streamed");
    const stream = await fal.queue.streamStatus(V45, { requestId: id, logs: false });
    const streamEnd = stream.done().then(
      () => "ended",
      () => "failed",
    );
    await emulator.waitFor((s) => (s.calls["status-stream"] ?? 0) === 1);
    emulator.outage({ kind: "reset" });
    expect(await streamEnd).toBe("failed");
    const statusUrl = `${QUEUE}/fal-ai/bytedance/requests/${id}/status`;
    const reset = await call(emulator, "GET", statusUrl).catch((e: unknown) => e);
    expect(transportCode(reset)).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
    await emulator.endOutage();
    emulator.release(id);
    expect(await fal.queue.subscribeToStatus(V45, { requestId: id, mode: "streaming" })).toMatchObject({
      status: "COMPLETED",
    });
    expect(emulator.stats().outages).toMatchObject({ started: 1, resets: 1 });
    expect(emulator.stats().outages.dropped).toBeGreaterThanOrEqual(1);
  });

  it("plays a scheduled outage and ends it by itself; refuses an outage it cannot play", async () => {
    emulator = await emulators.start({ inferenceMs: 0, outages: [{ atMs: 0, durationMs: 50, kind: "503" }] });
    await emulator.waitFor((s) => s.outages.started === 1);
    await emulator.waitFor((s) => s.outages.active === null);
    expect(emulator.stats().outages.started).toBe(1);
    expect(() => emulator?.outage({ kind: "404" as "503" })).toThrow(
      /refuse, reset, 502, 503 or 504, got "404"/,
    );
    // Closing while nothing listens still closes.
    emulator.outage({ kind: "refuse" });
    await emulator.close();
    emulator = undefined;
    await expect(emulators.start({ outages: [{ atMs: -1, durationMs: 5, kind: "reset" }] })).rejects.toThrow(
      /atMs must be a number of milliseconds ≥ 0, got -1/,
    );
  });
});
