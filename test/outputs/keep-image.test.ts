import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { keepImage, originalFile } from "../../src/outputs/deliver-image.js";
import { pngBytes } from "../helpers/images.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const cpu = <T>(fn: () => Promise<T>) => fn();
const dataUri = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString("base64")}`;

describe("keepImage: the bytes are the image", () => {
  it("keeps an image whose stated type and size differ from its bytes, and says how", async () => {
    const dir = await tempDir();
    const bytes = await pngBytes(64, 48);
    const kept = await keepImage(
      dir,
      { url: dataUri(bytes), content_type: "image/jpeg", width: 48, height: 64 },
      cpu,
    );
    expect(kept).toMatchObject({ contentType: "image/png", width: 64, height: 48 });
    expect(kept.claimsDiffer).toBe("fal said image/jpeg 48x64, the file is image/png 64x48");
    expect(Buffer.compare(await readFile(originalFile(dir, kept.original)), Buffer.from(bytes))).toBe(0);
    const agreeing = await keepImage(
      dir,
      { url: dataUri(bytes), content_type: "image/png", width: 64, height: 48 },
      cpu,
    );
    expect(agreeing.claimsDiffer).toBeUndefined();
  });

  it("fails only bytes that do not decode", async () => {
    const dir = await tempDir();
    const url = `data:image/png;base64,${Buffer.from("not an image at all").toString("base64")}`;
    await expect(keepImage(dir, { url, content_type: "image/png" }, cpu)).rejects.toThrow();
  });
});
