import sharp, { type Sharp } from "sharp";
import type { ImageSpec } from "../manifest/types.js";
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
  if (spec.resize) {
    const r = spec.resize;
    image = image.resize({
      width: r.width,
      ...(r.height === undefined ? {} : { height: r.height }),
      fit: r.fit,
      background: r.background,
      withoutEnlargement: !r.upscale,
    });
  }
  image = image.toColorspace("srgb");
  if (spec.keepMetadata) image = image.keepMetadata();
  const bytes = await encode(image, spec.format, spec.quality, meta.format ?? "png").toBuffer();
  return { bytes, info: await probeImage(bytes) };
}
