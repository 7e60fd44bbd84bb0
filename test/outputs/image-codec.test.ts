import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../src/outputs/image-codec.js";

/** A 300 × 200 image of noise (it does not compress away), in `format`. */
async function noise(format: "png" | "jpeg" | "webp"): Promise<Buffer> {
  const raw = randomBytes(300 * 200 * 3);
  return sharp(raw, { raw: { width: 300, height: 200, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

describe("inspectImage", () => {
  it.each(["png", "jpeg", "webp"] as const)("reads a whole %s: its format and size", async (format) => {
    const info = await inspectImage(await noise(format));
    expect(info).toMatchObject({ width: 300, height: 200, format });
  });

  it.each(["png", "jpeg"] as const)("rejects a %s cut short, though its header is whole", async (format) => {
    const whole = await noise(format);
    for (const share of [0.3, 0.7, 0.95]) {
      const cut = whole.subarray(0, Math.floor(whole.length * share));
      // The header still says 300 × 200: only decoding the pixels finds the cut.
      expect((await sharp(cut).metadata()).width).toBe(300);
      await expect(inspectImage(cut)).rejects.toThrow();
    }
  });

  it("rejects bytes that are not an image", async () => {
    await expect(inspectImage(Buffer.from("<html>not found</html>"))).rejects.toThrow(
      /not a supported image|unsupported/,
    );
  });
});
