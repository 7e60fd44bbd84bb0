import { describe, expect, it } from "vitest";
import { findEndpoint, parsePixelSize, resolvePixelSize } from "../../src/endpoints/index.js";

const v45 = findEndpoint("fal-ai/bytedance/seedream/v4.5/edit");
const v5 = findEndpoint("seedream-v5-lite");
if (!v45 || !v5) throw new Error("endpoints missing");

describe("resolvePixelSize", () => {
  it("maps fixed enum names through the one table", () => {
    expect(resolvePixelSize(v45, "square_hd")).toEqual({ width: 2048, height: 2048 });
    expect(resolvePixelSize(v5, "landscape_16_9")).toEqual({ width: 2560, height: 1440 });
  });

  it("gives auto sizes the first input's aspect ratio at the tier's area", () => {
    expect(resolvePixelSize(v45, "auto_2K", { width: 1600, height: 900 })).toEqual({
      width: 2736,
      height: 1536,
    });
    expect(resolvePixelSize(v45, "auto_4K")).toEqual({ width: 4096, height: 4096 });
    expect(resolvePixelSize(v5, "auto_3K")).toEqual({ width: 3072, height: 3072 });
    expect(resolvePixelSize(v45, "auto_3K")).toBeUndefined();
  });

  it("rescales custom sizes on v5 lite into its area range, keeping the aspect ratio", () => {
    expect(resolvePixelSize(v5, { width: 1280, height: 720 })).toEqual({ width: 2560, height: 1440 });
    // The current schema's range reaches 4096×4096 (it was 3072×3072).
    expect(resolvePixelSize(v5, { width: 4096, height: 4096 })).toEqual({ width: 4096, height: 4096 });
    expect(resolvePixelSize(v5, { width: 8192, height: 4096 })).toEqual({ width: 5792, height: 2896 });
    expect(resolvePixelSize(v45, { width: 1280, height: 720 })).toEqual({ width: 1280, height: 720 });
  });

  it("parses WIDTHxHEIGHT", () => {
    expect(parsePixelSize("2560x1440")).toEqual({ width: 2560, height: 1440 });
    expect(parsePixelSize(" 2000 X 2000 ")).toEqual({ width: 2000, height: 2000 });
    expect(parsePixelSize("square_hd")).toBeUndefined();
  });
});
