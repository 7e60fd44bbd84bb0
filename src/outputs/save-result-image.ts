import { createHash } from "node:crypto";
import { join } from "node:path";
import { displayUrl } from "./display-url.js";
import { type DownloadOptions, downloadFile } from "./download.js";
import { inspectImage } from "./image-codec.js";
import { writeFileSafely } from "./write-file.js";

/** One image written to disk, as the report lists it. */
export interface SavedImage {
  /** Path relative to the pipeline's output folder. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly contentType: string;
  /** Where fal served it (a `data:` URI is shortened). */
  readonly sourceUrl: string;
}

/**
 * Downloads one result image, decodes it to prove it whole, and writes it atomically under
 * `outputDir` at `pathFor(ext)`, the extension from its real format.
 */
export async function saveResultImage(
  url: string,
  outputDir: string,
  pathFor: (ext: string) => string,
  options: DownloadOptions = {},
): Promise<SavedImage> {
  const bytes = await downloadFile(url, options);
  const info = await inspectImage(bytes);
  const path = pathFor(info.ext);
  await writeFileSafely(join(outputDir, path), bytes);
  return {
    path,
    width: info.width,
    height: info.height,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    contentType: info.contentType,
    sourceUrl: displayUrl(url),
  };
}
