import sharp from "sharp";

/**
 * A thumbnail of an image file as the gallery makes them (at most 320 px, WebP, EXIF rotation
 * applied), for an image that has none on disk yet, such as a job's input photo.
 */
export function thumbnailBytes(sourcePath: string, maxSide = 320): Promise<Buffer> {
  return sharp(sourcePath)
    .rotate()
    .resize(maxSide, maxSide, { fit: "inside" })
    .webp({ quality: 75 })
    .toBuffer();
}
