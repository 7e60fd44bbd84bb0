import { spawn } from "node:child_process";
import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import type { EmulatorStats } from "../../src/emulator/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { pngBytes } from "../helpers/images.js";
import { BIN } from "../helpers/run-cli.js";

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";

/** Starts `seedream-pipeline emulator` with `args`; resolves with its URL once it listens. */
async function spawnEmulator(args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, "emulator", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on("close", () => reject(new Error(`emulator exited early: ${out}`)));
  });
  const stats = async () => (await (await fetch(`${url}/_emulator/stats`)).json()) as EmulatorStats;
  const stop = async () => {
    child.kill("SIGTERM");
    return exited;
  };
  return { url, stats, stop };
}

describe("seedream-pipeline emulator, as a subprocess", () => {
  it("serves --price at fal's pricing endpoint and holds submit answers with --delay-submit-answer", async () => {
    const em = await spawnEmulator(["--price", "seedream-v4.5=0.03", "--delay-submit-answer", "hold"]);
    const key = { authorization: "Key k" };
    const prices = await (
      await fetch(`${em.url}/v1/models/pricing?endpoint_id=${V45}`, { headers: key })
    ).json();
    expect(prices).toEqual({
      prices: [{ endpoint_id: V45, unit_price: 0.03, unit: "image", currency: "USD" }],
      next_cursor: null,
      has_more: false,
    });
    const cut = new AbortController();
    const submit = fetch(`${em.url}/${V45}`, {
      method: "POST",
      headers: { ...key, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "held", image_urls: [] }),
      signal: cut.signal,
    }).catch((e: unknown) => e);
    while ((await em.stats()).submits.accepted < 1) await new Promise((r) => setImmediate(r));
    cut.abort();
    expect(await submit).toBeInstanceOf(Error);
    while ((await em.stats()).submits.unanswered < 1) await new Promise((r) => setImmediate(r));
    expect((await em.stats()).submits).toEqual({ accepted: 1, duplicates: 0, unanswered: 1 });
    expect(await em.stop()).toBe(0);
  });

  it("plays --outage windows, keeping its own views up", async () => {
    const em = await spawnEmulator(["--outage", "0+3600000:503", "--outage", "7200000+1000:refuse"]);
    while ((await em.stats()).outages.active !== "503") await new Promise((r) => setImmediate(r));
    const pricing = await fetch(`${em.url}/v1/models/pricing`, { headers: { authorization: "Key k" } });
    expect(pricing.status).toBe(503);
    expect((await em.stats()).outages).toMatchObject({ started: 1, answered: { "503": 1 } });
    expect(await em.stop()).toBe(0);
  });

  it("prints its base URL, serves the real client, and stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "emulator", "--port", "0", "--concurrency", "3", "--inference-ms", "10"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(concurrency 3\)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.on("close", () => reject(new Error(`emulator exited early: ${out}`)));
    });
    const fal = createFalClient({ credentials: "k", fetch: redirectingFetch(url) });
    const dataUri = `data:image/png;base64,${(await pngBytes(320, 240)).toString("base64")}`;
    const endpoint: string = "fal-ai/bytedance/seedream/v4.5/edit";
    const result = await fal.subscribe(endpoint, {
      input: { prompt: "from a data URI", image_urls: [dataUri], image_size: "auto_2K" },
      mode: "streaming",
    });
    const [image] = (result.data as { images: { width: number; height: number }[] }).images;
    // auto_2K keeps the input's 4:3 aspect ratio at about 2048² pixels.
    expect(image).toMatchObject({ width: 2368, height: 1776 });
    const record = (await (await fetch(`${url}/_emulator/requests`)).json()) as { op: string }[];
    expect(record.map((r) => r.op)).toEqual(["submit", "status-stream", "result", "control"]);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
