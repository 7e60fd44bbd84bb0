import sharp, { type Metadata } from "sharp";

// libvips keeps recent operations and their pixels (50 MB, 100 operations) for re-use; every
// image a run decodes is a new one, so the cache only holds memory (it showed as RSS growing with
// a night's images). Off for the whole process
// (sharp's settings are per process; delivery loads this module).
sharp.cache(false);
// One libvips thread per image: the render pool runs one image per core (RenderPool). Measured,
// a second thread per image costs about the same CPU an image, so beside one image per core it
// only oversubscribes the cores (docs/benchmarks.md#rendering). sharp's own default is 1 on
// glibc Linux (memory fragmentation) but the core count elsewhere: set, it is 1 everywhere.
sharp.concurrency(1);

/** What decoding an image tells: its format and pixels. */
export interface ImageInfo {
  /** sharp's format name: png, jpeg, webp, avif, gif, tiff, … */
  readonly format: string;
  readonly width: number;
  readonly height: number;
  /** The MIME type for the format. */
  readonly contentType: string;
  /** The file extension for the format, without the dot. */
  readonly ext: string;
}

const TYPES: Readonly<Record<string, { contentType: string; ext: string }>> = {
  png: { contentType: "image/png", ext: "png" },
  jpeg: { contentType: "image/jpeg", ext: "jpg" },
  webp: { contentType: "image/webp", ext: "webp" },
  avif: { contentType: "image/avif", ext: "avif" },
  heif: { contentType: "image/heif", ext: "heic" },
  gif: { contentType: "image/gif", ext: "gif" },
  tiff: { contentType: "image/tiff", ext: "tiff" },
};

/** sharp's format name, with AVIF told apart: libheif reads it as `heif` compressed with AV1. */
const formatOf = (meta: Metadata): string | undefined =>
  meta.format === "heif" && meta.compression === "av1" ? "avif" : meta.format;

/**
 * Decodes an image fully (not only its header), so a truncated file is an error, and
 * returns its format and size. Throws when the bytes are not a supported image.
 */
export async function inspectImage(bytes: Uint8Array): Promise<ImageInfo> {
  const image = sharp(bytes, { failOn: "error" });
  const meta = await image.metadata();
  const format = formatOf(meta);
  const type = format ? TYPES[format] : undefined;
  if (!type || !meta.width || !meta.height)
    throw new Error(`not a supported image (format ${meta.format ?? "unknown"})`);
  // Decoding every pixel is what finds a truncated file; the header alone does not. Asking for
  // the last row decodes every row before it (the formats are read in order), a strip at a time:
  // decoding the whole image into one buffer a result left malloc holding freed blocks resident
  // over a night.
  await image
    .extract({ left: 0, top: meta.height - 1, width: meta.width, height: 1 })
    .raw()
    .toBuffer();
  return { format: format as string, width: meta.width, height: meta.height, ...type };
}

/** Reads only an image's header: its format and size, fast enough for thousands of inputs. */
export async function probeImage(bytes: Uint8Array): Promise<ImageInfo> {
  const meta = await sharp(bytes).metadata();
  const format = formatOf(meta);
  const type = format ? TYPES[format] : undefined;
  if (!type || !meta.width || !meta.height)
    throw new Error(`not a supported image (format ${meta.format ?? "unknown"})`);
  return { format: format as string, width: meta.width, height: meta.height, ...type };
}

/** A PNG of one colour: a small input for a check that must send an image. */
export function solidPng(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}
