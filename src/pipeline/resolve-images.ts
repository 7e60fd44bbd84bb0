import { createHash } from "node:crypto";
import pLimit from "p-limit";
import type { ManifestIssue } from "../errors.js";
import { LIMITS, readRegularFile } from "../manifest/index.js";
import type { ImageRef } from "../manifest/types.js";
import { probeImage } from "../outputs/image-codec.js";
import type { ImageUse } from "../plan/draft.js";

async function readLocal(path: string, source: string): Promise<ImageRef | string> {
  const read = await readRegularFile(path, LIMITS.imageBytes);
  if ("refused" in read) return read.refused;
  const { bytes } = read;
  try {
    const info = await probeImage(bytes);
    return {
      kind: "file",
      path,
      source,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      bytes: bytes.length,
      contentType: info.contentType,
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    return `${path} is not an image: ${(error as Error).message}`;
  }
}

/** The local images, resolved, and the ones that could not be, by image key. */
export interface ResolvedImages {
  readonly images: ReadonlyMap<string, ImageRef>;
  /** In the order the jobs first use each image; each issue where the image was first used. */
  readonly failures: ReadonlyMap<string, ManifestIssue>;
}

/**
 * The one IO step between expanding and planning: reads every local image the jobs use, each
 * once, hashes it and checks it is an image (header only). URLs need no entry.
 */
export async function resolveImages(uses: ReadonlyMap<string, ImageUse>): Promise<ResolvedImages> {
  const limit = pLimit(8);
  const results = await Promise.all(
    [...uses].map(([key, use]) =>
      limit(
        async (): Promise<[string, ImageUse, ImageRef | string]> => [
          key,
          use,
          await readLocal(key, use.source),
        ],
      ),
    ),
  );
  // Filled in the order the jobs first use each image, whatever order the reads end in.
  const images = new Map<string, ImageRef>();
  const failures = new Map<string, ManifestIssue>();
  for (const [key, use, ref] of results) {
    if (typeof ref === "string")
      failures.set(key, {
        file: use.at.file,
        line: use.at.line,
        column: use.at.column,
        field: use.at.field,
        message: ref,
      });
    else images.set(key, ref);
  }
  return { images, failures };
}
