import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import sharp from "sharp";

/** Writes a real PNG of the given size and colour, for manifests to point at. */
export async function writePng(
  path: string,
  width: number,
  height: number,
  colour = "#3366cc",
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toFile(path);
}

/** PNG bytes in memory. */
export function pngBytes(width: number, height: number, colour = "#cc3333"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}
