import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { writeFileSafely } from "./write-file.js";

/** The gallery's thumbnail of an output, by the output's hash: `.gallery/<sha256>.webp`. */
export function galleryThumbPath(sha256: string): string {
  return `.gallery/${sha256}.webp`;
}

/** Makes the gallery thumbnails (320 px WebP) that do not exist yet. */
export async function makeGalleryThumbs(
  outputDir: string,
  outputs: ReadonlyArray<{ path: string; sha256: string }>,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  await mkdir(join(outputDir, ".gallery"), { recursive: true });
  await Promise.all(
    outputs.map((o) =>
      cpu(async () => {
        const target = join(outputDir, galleryThumbPath(o.sha256));
        if (
          await access(target).then(
            () => true,
            () => false,
          )
        )
          return;
        const bytes = await sharp(join(outputDir, o.path))
          .rotate()
          .resize(320, 320, { fit: "inside" })
          .webp({ quality: 75 })
          .toBuffer();
        await writeFileSafely(target, bytes);
      }),
    ),
  );
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A contact sheet: a PNG grid of thumbnails, each labelled with its job id (red for a job
 * without an image), for a quick look or a chat message.
 */
export async function contactSheet(
  outputDir: string,
  tiles: ReadonlyArray<{ label: string; path?: string; failed?: boolean }>,
): Promise<Buffer> {
  const cell = 220;
  const label = 28;
  const cols = Math.max(1, Math.min(8, Math.ceil(Math.sqrt(tiles.length))));
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const layers = await Promise.all(
    tiles.map(async (t, i) => {
      const left = (i % cols) * cell;
      const top = Math.floor(i / cols) * (cell + label);
      const image = t.path
        ? await sharp(join(outputDir, t.path))
            .rotate()
            .resize(cell - 10, cell - 10, { fit: "contain", background: "#ffffff" })
            .png()
            .toBuffer()
        : await sharp({ create: { width: cell - 10, height: cell - 10, channels: 3, background: "#fde2e4" } })
            .png()
            .toBuffer();
      const text = Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${cell}" height="${label}"><text x="${cell / 2}" y="19" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13" fill="${t.failed ? "#b91c1c" : "#111"}">${escapeXml(t.label.length > 30 ? `${t.label.slice(0, 29)}…` : t.label)}</text></svg>`,
      );
      return [
        { input: image, left: left + 5, top: top + 5 },
        { input: text, left, top: top + cell },
      ];
    }),
  );
  return sharp({
    create: { width: cols * cell, height: rows * (cell + label), channels: 3, background: "#ffffff" },
  })
    .composite(layers.flat())
    .png()
    .toBuffer();
}
