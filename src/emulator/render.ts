import { createHash } from "node:crypto";
import sharp, { type OverlayOptions } from "sharp";
import type { PixelSize } from "../endpoints/index.js";

/** What one generated image shows, so a person can tell which job made it. */
export interface RenderSpec {
  readonly size: PixelSize;
  /** The job's input images, decoded bytes in order (Figure 1, Figure 2, …). */
  readonly inputs: readonly Buffer[];
  readonly prompt: string;
  /** A short line under the prompt: model, size, image k of n, request id. */
  readonly caption: string;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Greedy word wrap to at most `maxLines` lines of `width` characters. */
export function wrapText(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (next.length > width && line) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1]?.slice(0, width - 1)}…`;
    return kept;
  }
  return lines;
}

function colourOf(text: string): { r: number; g: number; b: number } {
  const d = createHash("sha256").update(text).digest();
  return { r: 40 + ((d[0] ?? 0) % 160), g: 40 + ((d[1] ?? 0) % 160), b: 40 + ((d[2] ?? 0) % 160) };
}

function textBand(size: PixelSize, prompt: string, caption: string): Buffer {
  const fontSize = Math.max(14, Math.round(Math.min(size.width, size.height) / 32));
  const charsPerLine = Math.max(12, Math.floor(size.width / (fontSize * 0.56)));
  const lines = wrapText(prompt, charsPerLine, 6);
  const lineHeight = Math.round(fontSize * 1.3);
  const bandHeight = Math.min(size.height, (lines.length + 2) * lineHeight);
  const tspans = lines
    .map((l, i) => `<text x="${fontSize}" y="${(i + 1) * lineHeight}">${escapeXml(l)}</text>`)
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${bandHeight}">
<rect width="100%" height="100%" fill="black" fill-opacity="0.62"/>
<g font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="white">${tspans}</g>
<text x="${fontSize}" y="${(lines.length + 1) * lineHeight + Math.round(lineHeight / 3)}" font-family="DejaVu Sans Mono, monospace" font-size="${Math.round(fontSize * 0.7)}" fill="#ffd54a">${escapeXml(caption)}</text>
</svg>`;
  return Buffer.from(svg);
}

/**
 * Renders one result image with sharp: the first input image fitted to the requested size
 * (a flat colour without inputs), the other inputs as thumbnails in a column on the right,
 * and the prompt and caption drawn over the bottom. Returns PNG bytes.
 */
export async function renderResultImage(spec: RenderSpec): Promise<Buffer> {
  const { width, height } = spec.size;
  const [first, ...others] = spec.inputs;
  const base = first
    ? sharp(first).rotate().resize(width, height, { fit: "cover" }).removeAlpha()
    : sharp({ create: { width, height, channels: 3, background: colourOf(spec.prompt) } });
  const layers: OverlayOptions[] = [];
  const thumbSide = Math.round(Math.min(width, height) / 5);
  const margin = Math.round(thumbSide / 10);
  for (const [i, input] of others.slice(0, 4).entries()) {
    const thumb = await sharp(input)
      .rotate()
      .resize(thumbSide, thumbSide, { fit: "cover" })
      .extend({ top: 4, bottom: 4, left: 4, right: 4, background: "white" })
      .png()
      .toBuffer();
    layers.push({
      input: thumb,
      top: margin + i * (thumbSide + margin + 8),
      left: width - thumbSide - margin - 8,
    });
  }
  const band = textBand(spec.size, spec.prompt, spec.caption);
  layers.push({ input: band, gravity: "south" });
  // Flatten first so the composite's size is the base's, then encode fast: the emulator
  // renders many images and fal's own PNGs are not what is being measured.
  const flat = await base.png({ compressionLevel: 0 }).toBuffer();
  return sharp(flat).composite(layers).png({ compressionLevel: 2 }).toBuffer();
}
