import sharp, { type Metadata, type Sharp } from "sharp";
import type { ImageSpec, ResizeSpec } from "../manifest/types.js";
import { type ImageInfo, probeImage } from "./image-codec.js";

function encode(
  image: Sharp,
  format: ImageSpec["format"],
  quality: number | undefined,
  original: string,
): Sharp {
  switch (format === "original" ? original : format) {
    case "jpeg":
      return image.jpeg({ quality: quality ?? 90, mozjpeg: true });
    case "webp":
      return image.webp({ quality: quality ?? 90 });
    case "avif":
      return image.avif({ quality: quality ?? 60 });
    default:
      return image.png({ compressionLevel: 6 });
  }
}

/** The source's upright size (EXIF orientations 5–8 swap width and height). */
function uprightSize(meta: Metadata): { width: number; height: number } {
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}

/**
 * Resizes without ever enlarging unless `upscale`: `contain` is always exact (scaled down, then
 * padded with the background), `cover` is exact when the source is large enough and otherwise
 * the largest centred crop at the target's aspect ratio, `inside` keeps everything, `fill`
 * stretches to exact pixels.
 */
async function resized(image: Sharp, r: ResizeSpec, meta: Metadata): Promise<Sharp> {
  const src = uprightSize(meta);
  const height = r.height ?? Math.round((r.width * src.height) / src.width);
  const base = { width: r.width, height, background: r.background };
  switch (r.fit) {
    case "fill":
      return image.resize({ ...base, fit: "fill" });
    case "inside":
      return image.resize({ ...base, fit: "inside", withoutEnlargement: !r.upscale });
    case "contain": {
      const inner = await image
        .resize({ ...base, fit: "inside", withoutEnlargement: !r.upscale })
        .toBuffer({ resolveWithObject: true });
      const padX = Math.max(0, r.width - inner.info.width);
      const padY = Math.max(0, height - inner.info.height);
      return sharp(inner.data).extend({
        left: Math.floor(padX / 2),
        right: Math.ceil(padX / 2),
        top: Math.floor(padY / 2),
        bottom: Math.ceil(padY / 2),
        background: r.background,
      });
    }
    case "cover": {
      if (r.upscale || (src.width >= r.width && src.height >= height))
        return image.resize({ ...base, fit: "cover" });
      const scale = Math.min(src.width / r.width, src.height / height);
      return image.resize({
        width: Math.floor(r.width * scale),
        height: Math.floor(height * scale),
        fit: "cover",
      });
    }
  }
}

/**
 * Makes one output from fal's original: orientation applied, exact size (`cover` crops,
 * `contain` pads with the background, `inside` keeps all; never enlarged unless `upscale`),
 * sRGB, metadata stripped unless kept, encoded as asked. An original that needs no change is
 * returned as it is.
 */
export async function renderOutput(
  original: Buffer,
  spec: ImageSpec,
): Promise<{ bytes: Buffer; info: ImageInfo }> {
  const meta = await sharp(original).metadata();
  const hasMetadata = Boolean(
    meta.exif || meta.xmp || meta.iptc || (meta.orientation && meta.orientation !== 1),
  );
  if (spec.format === "original" && !spec.resize && (spec.keepMetadata || !hasMetadata))
    return { bytes: original, info: await probeImage(original) };
  let image = sharp(original).rotate();
  if (spec.resize) image = await resized(image, spec.resize, meta);
  image = image.toColorspace("srgb");
  if (spec.keepMetadata) image = image.keepMetadata();
  const bytes = await encode(image, spec.format, spec.quality, meta.format ?? "png").toBuffer();
  return { bytes, info: await probeImage(bytes) };
}
