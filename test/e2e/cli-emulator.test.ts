import { spawn } from "node:child_process";
import { createFalClient } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { pngBytes } from "../helpers/images.js";
import { BIN } from "../helpers/run-cli.js";

describe("seedream-pipeline emulator, as a subprocess", () => {
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
