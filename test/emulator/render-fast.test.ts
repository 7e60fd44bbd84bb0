import { createFalClient } from "@fal-ai/client";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes } from "../helpers/images.js";

const emulators = useEmulators();

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";

let emulator: Emulator | undefined;
/** One square result of the emulator with `render`, downloaded: its bytes and decoded size. */
async function oneResult(render: "fast" | "fast-large") {
  emulator = await emulators.start({ inferenceMs: 0, render });
  const fal = createFalClient({ credentials: () => "test-key", fetch: redirectingFetch(emulator.url) });
  const image = await fal.storage.upload(new File([await pngBytes(32, 32)], "in.png", { type: "image/png" }));
  const { data } = await fal.subscribe(V45, {
    input: { prompt: "p", image_urls: [image], image_size: "square" },
  });
  const url = (data as { images: Array<{ url: string }> }).images[0]?.url ?? "";
  const bytes = Buffer.from(await (await redirectingFetch(emulator.url)(url)).arrayBuffer());
  const meta = await sharp(bytes).metadata();
  await emulator.close();
  emulator = undefined;
  return { bytes: bytes.length, size: `${meta.width}x${meta.height}`, format: meta.format };
}

describe("emulator: the benchmark's fast images", () => {
  it("fast-large serves a PNG of a real result's weight (over a megabyte), fast one of a few kilobytes", async () => {
    const small = await oneResult("fast");
    const large = await oneResult("fast-large");
    expect([small.format, large.format, small.size, large.size]).toEqual([
      "png",
      "png",
      "1920x1920",
      "1920x1920",
    ]);
    expect(small.bytes).toBeLessThan(100_000);
    expect(large.bytes).toBeGreaterThan(1_000_000);
  });
});
