import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";

const emulators = useEmulators();

const V45: string = "fal-ai/bytedance/seedream/v4.5/edit";
const V5: string = "fal-ai/bytedance/seedream/v5/lite/edit";

let emulator: Emulator | undefined;
function client(em: Emulator) {
  return createFalClient({ credentials: () => "test-key", fetch: redirectingFetch(em.url) });
}

/** An input image uploaded to the emulator's storage, as a run would. */
async function upload(em: Emulator): Promise<string> {
  return client(em).storage.upload(new File([await pngBytes(64, 64)], "in.png", { type: "image/png" }));
}

/** A Platform API call as fal's host would get it, sent to the emulator. */
async function platform(em: Emulator, pathAndQuery: string, key: string | null = "test-key") {
  const response = await redirectingFetch(em.url)(`https://api.fal.ai${pathAndQuery}`, {
    headers: key === null ? {} : { authorization: `Key ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Item = Record<string, unknown>;

describe("emulator: fal's Platform API (request history, prices)", () => {
  it("lists an endpoint's ended requests, newest first, with payloads on request; running ones are not listed", async () => {
    emulator = await emulators.start({ inferenceMs: "hold", concurrency: 5, render: "fast" });
    const fal = client(emulator);
    const image = await upload(emulator);
    const ids: string[] = [];
    for (const prompt of ["one", "two", "three"])
      ids.push((await fal.queue.submit(V45, { input: { prompt, image_urls: [image] } })).request_id);
    await fal.queue.submit(V5, { input: { prompt: "other endpoint", image_urls: [image] } });
    const [a = "", b = "", c = ""] = ids;
    expect(emulator.release(b)).toBe(true);
    await emulator.waitFor((s) => s.billing.completed === 1);
    expect(emulator.release(a)).toBe(true);
    await emulator.waitFor((s) => s.billing.completed === 2);

    const plain = await platform(emulator, `/v1/models/requests/by-endpoint?endpoint_id=${V45}`);
    expect(plain.status).toBe(200);
    const listed = plain.body.items as Item[];
    expect(listed.map((i) => i.request_id).sort()).toEqual([a, b].sort());
    const ended = listed.map((i) => Date.parse(String(i.ended_at)));
    expect(ended).toEqual([...ended].sort((x, y) => y - x)); // newest first
    expect(plain.body).toMatchObject({ next_cursor: null, has_more: false });
    const first = (plain.body.items as Item[])[0] ?? {};
    expect(Object.keys(first).sort()).toEqual(
      ["duration", "ended_at", "endpoint_id", "request_id", "sent_at", "started_at", "status_code"].sort(),
    );
    expect(first).toMatchObject({ endpoint_id: V45, status_code: 200 });
    for (const key of ["sent_at", "started_at", "ended_at"])
      expect(new Date(String(first[key])).toISOString()).toBe(first[key]);

    const expanded = await platform(
      emulator,
      `/v1/models/requests/by-endpoint?endpoint_id=${V45}&expand=payloads`,
    );
    const items = expanded.body.items as Item[];
    expect(
      items.map((i) => i.json_input).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    ).toEqual([
      { prompt: "one", image_urls: [image] },
      { prompt: "two", image_urls: [image] },
    ]);
    expect(items[0]?.json_output).toMatchObject({
      images: [expect.objectContaining({ content_type: "image/png" })],
    });
    expect(emulator.release(c)).toBe(true);
  });

  it("pages with limit and cursor, filters by status, request id and window, and checks its query", async () => {
    emulator = await emulators.start({ inferenceMs: 0, concurrency: 5, render: "fast" });
    const fal = client(emulator);
    const image = await upload(emulator);
    for (const prompt of ["a", "b", "c"])
      await fal.subscribe(V45, { input: { prompt, image_urls: [image] }, mode: "polling", pollInterval: 5 });
    const bad = await fal.queue.submit(V45, { input: { image_urls: [image] } }); // no prompt: 422 at fal
    await emulator.waitFor((s) => s.requests.every((r) => r.outcome !== "pending"));
    const base = `/v1/models/requests/by-endpoint?endpoint_id=${V45}`;

    const seen: string[] = [];
    let page = await platform(emulator, `${base}&limit=3`);
    expect(page.body).toMatchObject({ has_more: true, next_cursor: "Mw==" });
    seen.push(...(page.body.items as Item[]).map((i) => String(i.request_id)));
    page = await platform(emulator, `${base}&limit=3&cursor=${page.body.next_cursor}`);
    expect(page.body).toMatchObject({ has_more: false, next_cursor: null });
    seen.push(...(page.body.items as Item[]).map((i) => String(i.request_id)));
    expect(new Set(seen).size).toBe(4);

    const userErrors = await platform(emulator, `${base}&status=user_error`);
    expect((userErrors.body.items as Item[]).map((i) => [i.request_id, i.status_code])).toEqual([
      [bad.request_id, 422],
    ]);
    expect(((await platform(emulator, `${base}&status=success`)).body.items as Item[]).length).toBe(3);
    const one = await platform(emulator, `${base}&request_id=${bad.request_id}`);
    expect((one.body.items as Item[]).map((i) => i.request_id)).toEqual([bad.request_id]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await platform(emulator, `${base}&start=${future}`)).body.items).toEqual([]);

    expect(await platform(emulator, "/v1/models/requests/by-endpoint")).toEqual({
      status: 422,
      body: { detail: [{ loc: ["query", "endpoint_id"], msg: "field required", type: "value_error" }] },
    });
    expect((await platform(emulator, `${base}&limit=101`)).status).toBe(422);
    expect((await platform(emulator, `${base}&start=yesterday`)).status).toBe(422);
    expect((await platform(emulator, `${base}&status=ok`)).status).toBe(422);
    expect((await platform(emulator, base, null)).status).toBe(401);
  });

  it("answers prices per endpoint: built-in by default, configured ones when given", async () => {
    emulator = await emulators.start({ inferenceMs: 0, prices: { "seedream-v5-lite": 0.03 } });
    const both = await platform(emulator, `/v1/models/pricing?endpoint_id=${V45},${V5}`);
    expect(both).toEqual({
      status: 200,
      body: {
        prices: [
          { endpoint_id: V45, unit_price: 0.04, unit: "image", currency: "USD" },
          { endpoint_id: V5, unit_price: 0.03, unit: "image", currency: "USD" },
        ],
        next_cursor: null,
        has_more: false,
      },
    });
    const unknown = await platform(emulator, "/v1/models/pricing?endpoint_id=fal-ai/flux/dev");
    expect(unknown.body.prices).toEqual([]);
    expect((await platform(emulator, "/v1/models/pricing", null)).status).toBe(401);
    expect(emulator.requests.map((r) => [r.op, r.status])).toEqual([
      ["pricing", 200],
      ["pricing", 200],
      ["pricing", 401],
    ]);
  });
});
