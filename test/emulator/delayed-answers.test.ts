import { request } from "node:http";
import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";

const emulators = useEmulators();

const V45: string = "fal-ai/bytedance/seedream/v4.5/edit";
// fal's current id (the emulator also answers under the old `fal-ai/…` one: see model-search.test.ts).
const V5: string = "bytedance/seedream/v5/lite/edit";

let emulator: Emulator | undefined;
function client(em: Emulator) {
  return createFalClient({ credentials: () => "test-key", fetch: redirectingFetch(em.url) });
}

async function upload(em: Emulator): Promise<string> {
  return client(em).storage.upload(new File([await pngBytes(32, 32)], "in.png", { type: "image/png" }));
}

/**
 * Sends a submit on a raw connection and destroys it once the emulator has accepted the
 * request: a client killed while its answer was held.
 */
async function submitAndDie(em: Emulator, endpoint: string, input: unknown): Promise<void> {
  const before = em.stats().submits.accepted;
  const req = request(`${em.url}/${endpoint}`, {
    method: "POST",
    headers: { authorization: "Key test-key", "content-type": "application/json" },
  });
  req.on("error", () => {}); // the connection is cut on purpose
  req.end(JSON.stringify(input));
  await em.waitFor((s) => s.submits.accepted === before + 1);
  req.destroy();
  await em.waitFor((s) => s.submits.unanswered === 1);
}

describe("emulator: submit answers held after acceptance, duplicates and billing", () => {
  it("holds a submit's answer after accepting it: a client cut off in that window never learns the id, yet the request runs", async () => {
    emulator = await emulators.start({
      inferenceMs: 0,
      render: "fast",
      faults: { delaySubmitAnswerMs: "hold" },
    });
    const image = await upload(emulator);
    const input = { prompt: "cut off", image_urls: [image] };
    await submitAndDie(emulator, V45, input);
    const stats = await emulator.waitFor((s) => s.billing.completed === 1);
    expect(stats.submits).toEqual({ accepted: 1, duplicates: 0, unanswered: 1 });
    // The request is in fal's history with the exact input, for a runner to find and attach to.
    const history = await redirectingFetch(emulator.url)(
      `https://api.fal.ai/v1/models/requests/by-endpoint?endpoint_id=${V45}&expand=payloads`,
      { headers: { authorization: "Key test-key" } },
    );
    const items = ((await history.json()) as { items: { json_input: unknown }[] }).items;
    expect(items.map((i) => i.json_input)).toEqual([input]);
  });

  it("sends held answers on release, and holds them for a set time when a number is given", async () => {
    emulator = await emulators.start({
      inferenceMs: 0,
      render: "fast",
      faults: { delaySubmitAnswerMs: "hold" },
    });
    const fal = client(emulator);
    const image = await upload(emulator);
    const pending = fal.queue.submit(V45, { input: { prompt: "held", image_urls: [image] } });
    await emulator.waitFor((s) => s.submits.accepted === 1);
    expect(emulator.releaseSubmitAnswers()).toBe(1);
    const { request_id } = await pending;
    expect(emulator.stats().requests.map((r) => r.id)).toEqual([request_id]);

    emulator.setFaults({ delaySubmitAnswerMs: 5 });
    const timed = await fal.queue.submit(V45, { input: { prompt: "timed", image_urls: [image] } });
    expect(timed.request_id).toMatch(/^[0-9a-f-]{36}$/);
    emulator.setFaults({});
    expect(emulator.releaseSubmitAnswers()).toBe(0);
    expect(emulator.stats().submits).toEqual({ accepted: 2, duplicates: 0, unanswered: 0 });
  });

  it("counts a body accepted twice (keys in any order) and bills completed images at the configured price", async () => {
    emulator = await emulators.start({ inferenceMs: 0, render: "fast", prices: { [V45]: 0.05 } });
    const fal = client(emulator);
    const image = await upload(emulator);
    const run = (endpoint: string, input: Record<string, unknown>) =>
      fal.subscribe(endpoint, { input, mode: "polling", pollInterval: 5 });
    await run(V45, { prompt: "same", image_urls: [image], num_images: 2 });
    await run(V45, { num_images: 2, image_urls: [image], prompt: "same" });
    await run(V5, { prompt: "same", image_urls: [image], num_images: 2 });
    await fal.queue.submit(V45, { input: { image_urls: [image] } }); // 422 at fal: not billed
    const stats = await emulator.waitFor((s) => s.requests.every((r) => r.outcome !== "pending"));
    expect(stats.submits).toEqual({ accepted: 4, duplicates: 1, unanswered: 0 });
    expect(stats.billing).toEqual({
      completed: 3,
      images: 6,
      costUsd: 4 * 0.05 + 2 * 0.035,
      byEndpoint: {
        [V45]: { completed: 2, images: 4, costUsd: 4 * 0.05 },
        [V5]: { completed: 1, images: 2, costUsd: 2 * 0.035 },
      },
    });
  });
});
