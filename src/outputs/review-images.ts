import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import sharp from "sharp";
import { writeFileAtomic } from "../files/index.js";

/** The gallery's thumbnail of an output, by the output's hash: `.gallery/<sha256>.webp`. */
export function galleryThumbPath(sha256: string): string {
  return `.gallery/${sha256}.webp`;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Makes the gallery thumbnails (320 px WebP) that do not exist yet, one per distinct image.
 * Works through the list with a fixed number of workers, so 100,000 outputs hold no more in
 * memory than a few.
 */
export async function makeGalleryThumbs(
  outputDir: string,
  outputs: Iterable<{ path: string; sha256: string }>,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
  workers = 8,
): Promise<void> {
  await mkdir(join(outputDir, ".gallery"), { recursive: true });
  const seen = new Set<string>();
  const it = outputs[Symbol.iterator]();
  const worker = async () => {
    for (let next = it.next(); !next.done; next = it.next()) {
      const o = next.value;
      if (seen.has(o.sha256)) continue;
      seen.add(o.sha256);
      const target = join(outputDir, galleryThumbPath(o.sha256));
      if (await exists(target)) continue;
      await cpu(async () => {
        const bytes = await sharp(join(outputDir, o.path))
          .rotate()
          .resize(320, 320, { fit: "inside" })
          .webp({ quality: 75 })
          .toBuffer();
        await writeFileAtomic(target, bytes, { within: outputDir });
      });
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CELL = 220;
/** Two lines of label under each tile. */
const LABEL = 42;
const TITLE = 32;
const COLUMNS = 8;
/** Characters of DejaVu Sans at 13 px that fit a tile's width (about 7.3 px each, with a margin). */
const LABEL_CHARS = 28;

/**
 * A label in at most two lines of `width` characters: broken after a `-`, `_`, `.` or space
 * where one is near the end of the first line; a label longer still keeps its end (the size
 * and variant a job id ends with) after an ellipsis. Pure.
 */
export function labelLines(label: string, width = LABEL_CHARS): string[] {
  if (label.length <= width) return [label];
  const head = label.slice(0, width);
  const cut = Math.max(...["-", "_", ".", " "].map((c) => head.lastIndexOf(c)));
  const split = cut >= width / 2 ? cut + 1 : width;
  const rest = label.slice(split);
  return [label.slice(0, split).trimEnd(), rest.length <= width ? rest : `…${rest.slice(-(width - 1))}`];
}

function text(width: number, height: number, lines: readonly string[], color: string, size: number): Buffer {
  const rows = lines
    .map(
      (line, i) =>
        `<text x="${width / 2}" y="${size + 4 + i * (size + 4)}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="${color}">${escapeXml(line)}</text>`,
    )
    .join("");
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rows}</svg>`,
  );
}

/**
 * A contact sheet: a PNG grid (8 columns, at most as many rows as `tiles` needs) of
 * thumbnails, each labelled with its job id (red, on a pink tile, for a failure), under a
 * title. Tiles are drawn two at a time from the small gallery thumbnails, so its memory is
 * bounded by the number of tiles, which the caller bounds (see `contactTiles`).
 */
export async function contactSheet(
  outputDir: string,
  title: string,
  tiles: ReadonlyArray<{ label: string; path?: string; failed?: boolean }>,
): Promise<Buffer> {
  const cols = Math.max(1, Math.min(COLUMNS, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const width = COLUMNS * CELL;
  const limit = pLimit(2);
  const layers = await Promise.all(
    tiles.map((t, i) =>
      limit(async () => {
        const left = (i % cols) * CELL;
        const top = TITLE + Math.floor(i / cols) * (CELL + LABEL);
        const image = t.path
          ? await sharp(join(outputDir, t.path))
              .resize(CELL - 10, CELL - 10, { fit: "contain", background: "#ffffff" })
              .png()
              .toBuffer()
          : await sharp({
              create: { width: CELL - 10, height: CELL - 10, channels: 3, background: "#fde2e4" },
            })
              .png()
              .toBuffer();
        return [
          { input: image, left: left + 5, top: top + 5 },
          {
            input: text(CELL, LABEL, labelLines(t.label), t.failed ? "#b91c1c" : "#111", 13),
            left,
            top: top + CELL,
          },
        ];
      }),
    ),
  );
  return sharp({
    create: { width, height: TITLE + rows * (CELL + LABEL), channels: 3, background: "#ffffff" },
  })
    .composite([
      {
        input: text(width, TITLE, [title.length > 220 ? `${title.slice(0, 219)}…` : title], "#111", 15),
        left: 0,
        top: 0,
      },
      ...layers.flat(),
    ])
    .png()
    .toBuffer();
}
