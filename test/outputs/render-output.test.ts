import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { ImageSpec } from "../../src/manifest/index.js";
import { parseDerivative } from "../../src/manifest/output-settings.js";
import { renderOutput } from "../../src/outputs/index.js";

const spec = (over: Partial<ImageSpec> = {}): ImageSpec => ({
  format: "original",
  quality: undefined,
  resize: undefined,
  keepMetadata: false,
  ...over,
});
const resize = (
  width: number,
  height: number | undefined,
  fit: "cover" | "contain" | "inside",
  upscale = false,
) => ({
  width,
  height,
  fit,
  background: "#ff0000",
  upscale,
});

/** A 2048×1536 PNG (a blue field, a green square top left) with EXIF and a rotate-90 orientation. */
async function photo(orientation = 1): Promise<Buffer> {
  return sharp({ create: { width: 2048, height: 1536, channels: 3, background: "#1030c0" } })
    .composite([
      { input: { create: { width: 200, height: 200, channels: 3, background: "#10c030" } }, left: 0, top: 0 },
    ])
    .withExif({ IFD0: { Copyright: "secret studio", Software: "fal" } })
    .withMetadata({ orientation })
    .jpeg({ quality: 95 })
    .toBuffer();
}

describe("renderOutput", () => {
  it("encodes each format, stripping metadata and applying orientation", async () => {
    const original = await photo(6);
    for (const format of ["png", "jpeg", "webp", "avif"] as const) {
      const { bytes, info } = await renderOutput(original, spec({ format, quality: 80 }));
      const meta = await sharp(bytes).metadata();
      expect(meta.format === "heif" ? "avif" : meta.format).toBe(format);
      // Orientation 6 turns the 2048×1536 landscape upright: 1536×2048.
      expect([meta.width, meta.height]).toEqual([1536, 2048]);
      expect([info.width, info.height]).toEqual([1536, 2048]);
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation ?? 1).toBe(1);
      expect(meta.space).toBe("srgb");
    }
  });

  it("keeps metadata when asked", async () => {
    const { bytes } = await renderOutput(await photo(), spec({ format: "jpeg", keepMetadata: true }));
    expect((await sharp(bytes).metadata()).exif?.toString("latin1")).toContain("secret studio");
  });

  it("returns an original that needs no change as it is", async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#888" } })
      .png()
      .toBuffer();
    const { bytes } = await renderOutput(png, spec());
    expect(bytes.equals(png)).toBe(true);
  });

  it("cover crops to exact pixels, contain pads with the background, inside keeps the aspect ratio", async () => {
    const original = await photo();
    // square_hd (2048²) to a marketplace's exact 2000×2000.
    const square = await sharp({ create: { width: 2048, height: 2048, channels: 3, background: "#888" } })
      .png()
      .toBuffer();
    const cover = await renderOutput(square, spec({ format: "png", resize: resize(2000, 2000, "cover") }));
    expect([cover.info.width, cover.info.height]).toEqual([2000, 2000]);
    // A source too small to cover without enlarging gives the largest centred square crop.
    const crop = await renderOutput(original, spec({ format: "png", resize: resize(2000, 2000, "cover") }));
    expect([crop.info.width, crop.info.height]).toEqual([1536, 1536]);
    const grown = await renderOutput(
      original,
      spec({ format: "png", resize: resize(2000, 2000, "cover", true) }),
    );
    expect([grown.info.width, grown.info.height]).toEqual([2000, 2000]);
    const contain = await renderOutput(
      original,
      spec({ format: "png", resize: resize(1200, 1200, "contain") }),
    );
    expect([contain.info.width, contain.info.height]).toEqual([1200, 1200]);
    // 2048×1536 into 1200×1200 leaves 150 px bands above and below, in the background colour.
    const { data } = await sharp(contain.bytes)
      .extract({ left: 600, top: 10, width: 1, height: 1 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 0, 0]);
    const inside = await renderOutput(original, spec({ format: "png", resize: resize(512, 512, "inside") }));
    expect([inside.info.width, inside.info.height]).toEqual([512, 384]);
  });

  it("never upscales unless asked", async () => {
    const small = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#888" } })
      .png()
      .toBuffer();
    const kept = await renderOutput(small, spec({ format: "png", resize: resize(600, undefined, "inside") }));
    expect([kept.info.width, kept.info.height]).toEqual([300, 200]);
    // contain stays exact without enlarging: the small image is padded.
    const padded = await renderOutput(small, spec({ format: "png", resize: resize(600, 600, "contain") }));
    expect([padded.info.width, padded.info.height]).toEqual([600, 600]);
    const grown = await renderOutput(
      small,
      spec({ format: "png", resize: resize(600, undefined, "inside", true) }),
    );
    expect([grown.info.width, grown.info.height]).toEqual([600, 400]);
  });

  it("reads derivative shorthands", () => {
    expect(parseDerivative("512 webp", 85)).toEqual({
      format: "webp",
      quality: 85,
      resize: { width: 512, height: undefined, fit: "inside", background: "#ffffff", upscale: false },
      keepMetadata: false,
    });
    expect(parseDerivative("1200x630 jpg q70", undefined)).toMatchObject({
      format: "jpeg",
      quality: 70,
      resize: { width: 1200, height: 630, fit: "cover" },
    });
    expect(parseDerivative("big please", undefined)).toBe(
      'expected a size and format such as "512 webp" or "1200x630 jpeg", got "big please"',
    );
  });
});
