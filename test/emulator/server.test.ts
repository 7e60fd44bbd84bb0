import { ApiError, createFalClient, ValidationError } from "@fal-ai/client";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";

const emulators = useEmulators();

// Typed as plain strings: the client's generated input types lag the API pages (v5 lite's
// `seed` is missing there), and invalid inputs are the point of some tests.
const V45: string = "fal-ai/bytedance/seedream/v4.5/edit";
// fal's current id (the emulator also answers under the old `fal-ai/…` one: see model-search.test.ts).
const V5: string = "bytedance/seedream/v5/lite/edit";

let emulator: Emulator | undefined;
/** The unmodified client, pointed at the emulator through its fetch option. */
function client(em: Emulator, credentials: string | undefined) {
  return createFalClient({ credentials: () => credentials, fetch: redirectingFetch(em.url) });
}

async function uploadPng(fal: ReturnType<typeof client>): Promise<string> {
  return fal.storage.upload(new File([await pngBytes(640, 480)], "input.png", { type: "image/png" }));
}

describe("emulator, driven by the real @fal-ai/client", () => {
  it("uploads through initiate + PUT and serves the file back", async () => {
    emulator = await emulators.start({ inferenceMs: 0 });
    const fal = client(emulator, "test-key");
    const bytes = await pngBytes(64, 32);
    const url = await fal.storage.upload(new File([bytes], "x.png", { type: "image/png" }));
    expect(url.startsWith(`${emulator.url}/files/uploads/`)).toBe(true);
    const served = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(served.equals(bytes)).toBe(true);
    const ops = emulator.requests.map((r) => [r.op, r.status, r.hadAuthorization]);
    expect(ops).toEqual([
      ["upload-initiate", 200, true],
      ["upload-put", 200, false],
      ["file", 200, false],
    ]);
  });

  it("runs only C requests at once; the rest wait IN_QUEUE and their queue_position counts down", async () => {
    emulator = await emulators.start({ concurrency: 1, inferenceMs: "hold" });
    const fal = client(emulator, "test-key");
    const image = await uploadPng(fal);
    const ids: string[] = [];
    for (const prompt of ["one", "two", "three"])
      ids.push((await fal.queue.submit(V45, { input: { prompt, image_urls: [image] } })).request_id);
    const [a = "", b = "", c = ""] = ids;
    const status = (id: string) => fal.queue.status(V45, { requestId: id, logs: true });
    expect((await status(a)).status).toBe("IN_PROGRESS");
    expect(await status(b)).toMatchObject({ status: "IN_QUEUE", queue_position: 0 });
    expect(await status(c)).toMatchObject({ status: "IN_QUEUE", queue_position: 1 });
    expect(emulator.load()).toEqual({ running: 1, queued: 2 });

    // Follow c's stream while the queue drains: its position must count 1 → 0 → running.
    const seen: unknown[] = [];
    const streamDone = fal.queue.streamStatus(V45, { requestId: c, logs: false }).then((s) => {
      s.on("data", (d: { status: string; queue_position?: number }) =>
        seen.push([d.status, d.queue_position]),
      );
      return s.done();
    });
    expect(emulator.release(a)).toBe(true);
    await fal.queue.subscribeToStatus(V45, { requestId: a, mode: "streaming" });
    expect(await status(b)).toMatchObject({ status: "IN_PROGRESS" });
    expect(await status(c)).toMatchObject({ status: "IN_QUEUE", queue_position: 0 });
    expect(emulator.release(b)).toBe(true);
    await fal.queue.subscribeToStatus(V45, { requestId: b, mode: "streaming" });
    expect(emulator.release(c)).toBe(true);
    const final = (await streamDone) as { status: string };
    expect(final.status).toBe("COMPLETED");
    expect(seen.map((s) => (s as unknown[])[0])).toContain("IN_PROGRESS");
    const positions = (seen as [string, number | undefined][])
      .filter(([s]) => s === "IN_QUEUE")
      .map(([, p]) => p);
    expect(positions).toEqual([1, 0]);
  });

  it("answers a finished request with real images at the requested size and the request id header", async () => {
    emulator = await emulators.start({ inferenceMs: 0 });
    const fal = client(emulator, "test-key");
    const image = await uploadPng(fal);
    const result = await fal.subscribe(V5, {
      input: {
        prompt: "a red chair",
        image_urls: [image],
        image_size: "landscape_16_9",
        num_images: 2,
        // Not in v5 lite's current schema: ignored, as fal is assumed to (its docs do not say).
        seed: 7,
      },
      mode: "streaming",
    });
    const data = result.data as { images: { url: string; width: number; height: number }[]; seed: number };
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.seed).toEqual(expect.any(Number));
    expect(data.seed).not.toBe(7);
    expect(data.images).toHaveLength(2);
    for (const img of data.images) {
      const bytes = Buffer.from(await (await fetch(img.url)).arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["png", 2560, 1440]);
      expect([img.width, img.height]).toEqual([2560, 1440]);
    }
  });

  it("returns data: URIs with sync_mode, and max_images × num_images images", async () => {
    emulator = await emulators.start({ inferenceMs: 0 });
    const fal = client(emulator, "test-key");
    const image = await uploadPng(fal);
    const result = await fal.subscribe(V45, {
      input: {
        prompt: "x",
        image_urls: [image],
        image_size: "square",
        max_images: 2,
        num_images: 2,
        sync_mode: true,
      },
      mode: "streaming",
    });
    const images = (result.data as { images: { url: string }[] }).images;
    expect(images).toHaveLength(4);
    expect(images.every((i) => i.url.startsWith("data:image/png;base64,"))).toBe(true);
  });

  it("fails an invalid input at result time with fal's 422 detail[] shape", async () => {
    emulator = await emulators.start({ inferenceMs: 0 });
    const fal = client(emulator, "test-key");
    const image = await uploadPng(fal);
    const bad = [
      [{ image_urls: [image] }, [["body", "prompt"], "field required", "value_error.missing"]],
      [
        { prompt: "x", image_urls: [image], image_size: "auto_3K" },
        [["body", "image_size"], expect.stringContaining("permitted"), "type_error.enum"],
      ],
      [
        { prompt: "x", image_urls: [image], num_images: 9 },
        [["body", "num_images"], "ensure this value is less than or equal to 6", "value_error.number.not_le"],
      ],
      [
        { prompt: "x", image_urls: Array(10).fill(image), max_images: 6 },
        [["body", "max_images"], expect.stringContaining("must not exceed 15"), "value_error"],
      ],
      [
        { prompt: "x", image_urls: [image], image_size: { width: 1000, height: 1000 } },
        [["body", "image_size"], expect.stringContaining("between 1920 and 4096"), "value_error"],
      ],
    ] as const;
    for (const [input, [loc, msg, type]] of bad) {
      const { request_id } = await fal.queue.submit(V45, { input });
      await fal.queue.subscribeToStatus(V45, { requestId: request_id, mode: "streaming" });
      const error = await fal.queue.result(V45, { requestId: request_id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(422);
      expect((error as ValidationError).fieldErrors).toEqual([{ loc, msg, type }]);
    }
  });

  it("cancels a queued request; cancelling a finished or unknown one is refused", async () => {
    emulator = await emulators.start({ concurrency: 1, inferenceMs: "hold" });
    const fal = client(emulator, "test-key");
    const image = await uploadPng(fal);
    const first = (await fal.queue.submit(V45, { input: { prompt: "a", image_urls: [image] } })).request_id;
    const second = (await fal.queue.submit(V45, { input: { prompt: "b", image_urls: [image] } })).request_id;
    await fal.queue.cancel(V45, { requestId: second });
    expect(emulator.load()).toEqual({ running: 1, queued: 0 });
    const status = await fal.queue.status(V45, { requestId: second, logs: false });
    expect(status).toMatchObject({ status: "COMPLETED", error_type: "request_cancelled" });
    const again = await fal.queue.cancel(V45, { requestId: second }).catch((e: unknown) => e);
    expect((again as ApiError<unknown>).status).toBe(400);
    const unknown = await fal.queue.cancel(V45, { requestId: "no-such-id" }).catch((e: unknown) => e);
    expect((unknown as ApiError<unknown>).status).toBe(404);
    emulator.release(first);
    const cancels = emulator.requests.filter((r) => r.op === "cancel").map((r) => r.status);
    expect(cancels).toEqual([202, 400, 404]);
  });

  it("answers 401 JSON without a key, and never records the key", async () => {
    emulator = await emulators.start({ inferenceMs: 0, apiKeys: ["right-key"] });
    const none = await client(emulator, undefined)
      .queue.submit(V45, { input: { prompt: "x", image_urls: [] } })
      .catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ApiError);
    expect((none as ApiError<{ detail: string }>).status).toBe(401);
    expect((none as ApiError<{ detail: string }>).body.detail).toMatch(/Authorization/);
    const wrong = await client(emulator, "wrong-key")
      .storage.upload(new File([await pngBytes(8, 8)], "a.png", { type: "image/png" }))
      .catch((e: unknown) => e);
    expect((wrong as ApiError<unknown>).status).toBe(401);
    expect(emulator.requests.map((r) => [r.op, r.status])).toEqual([
      ["submit", 401],
      ["upload-initiate", 401],
    ]);
    expect(JSON.stringify(emulator.requests)).not.toContain("wrong-key");
  });

  it("records every request with its operation, endpoint, request id and headers", async () => {
    emulator = await emulators.start({ inferenceMs: 0 });
    const fal = client(emulator, "test-key");
    const image = await uploadPng(fal);
    const r = await fal.subscribe(V5, { input: { prompt: "x", image_urls: [image] }, mode: "streaming" });
    const submit = emulator.requests.find((x) => x.op === "submit");
    expect(submit).toMatchObject({
      method: "POST",
      path: `/${V5}`,
      endpoint: V5,
      requestId: r.requestId,
      status: 200,
    });
    expect(submit?.headers["x-fal-queue-priority"]).toBe("normal");
    expect(submit?.headers["user-agent"]).toMatch(/^@fal-ai\/client/);
    expect(submit?.headers.authorization).toBeUndefined();
    const stream = emulator.requests.find((x) => x.op === "status-stream");
    expect(stream).toMatchObject({
      path: `/bytedance/seedream/requests/${r.requestId}/status/stream`,
      query: { logs: "0" },
    });
  });
});
