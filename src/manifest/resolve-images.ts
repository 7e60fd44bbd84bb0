import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import pLimit from "p-limit";
import type { ManifestIssue } from "../errors.js";
import { probeImage } from "../outputs/image-codec.js";
import type { ImageUse } from "../plan/index.js";
import type { ImageRef } from "./types.js";

async function readLocal(path: string, source: string): Promise<ImageRef | string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? `file not found: ${path}`
      : code === "EISDIR"
        ? `${path} is a folder, not an image`
        : `cannot read ${path} (${code})`;
  }
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

/**
 * Resolves every image the jobs use, each once: URLs pass through; local files are read,
 * hashed and checked to be images (header only). A failure is an issue where it was first used.
 */
export async function resolveImages(
  uses: ReadonlyMap<string, ImageUse>,
): Promise<{ images: Map<string, ImageRef>; issues: ManifestIssue[] }> {
  const limit = pLimit(8);
  // URLs need no entry: a key missing from the map is a URL (see `imageRef`).
  const results = await Promise.all(
    [...uses]
      .filter(([, use]) => use.kind === "file")
      .map(([key, use]) =>
        limit(
          async (): Promise<[string, ImageUse, ImageRef | string]> => [
            key,
            use,
            use.kind === "url" ? { kind: "url", url: key } : await readLocal(key, use.source),
          ],
        ),
      ),
  );
  // Filled in the order the jobs first use each image, whatever order the reads end in.
  const images = new Map<string, ImageRef>();
  const issues: ManifestIssue[] = [];
  for (const [key, use, ref] of results) {
    if (typeof ref === "string")
      issues.push({
        file: use.at.file,
        line: use.at.line,
        column: use.at.column,
        field: use.at.field,
        message: ref,
      });
    else images.set(key, ref);
  }
  return { images, issues };
}
