import { createHash } from "node:crypto";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { readBytes, writeFileAtomic } from "../files/index.js";
import type { ImageSpec } from "../manifest/types.js";
import { displayUrl, type SavedImage, type WrittenFile } from "../model/image-record.js";
import type { KeptImage } from "../model/kept-image.js";
import { type DownloadOptions, downloadFile } from "./download.js";
import { stampOf } from "./file-check.js";
import { inspectImage } from "./image-codec.js";
import { renderOutput } from "./render-output.js";
import { writeSidecar } from "./sidecar.js";

/** What fal said about an image, checked against what arrives. */
export interface FalImageClaims {
  readonly url: string;
  readonly content_type?: string;
  readonly width?: number;
  readonly height?: number;
}

/** How one of a job's images becomes files: where, in which forms, and its sidecar. */
export interface Delivery {
  /** 1-based index of the image in the job's result. */
  readonly n: number;
  readonly main: ImageSpec;
  readonly pathFor: (ext: string) => string;
  readonly derivatives: ReadonlyArray<{
    readonly name: string;
    readonly spec: ImageSpec;
    readonly pathFor: (ext: string) => string;
  }>;
  /** The sidecar's fields, or undefined for none; the image's own facts are added. */
  readonly sidecar: Readonly<Record<string, unknown>> | undefined;
}

/** One file written. */

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Where fal's original bytes are kept, by content hash (for re-encoding without fal). */
export function originalFile(outputDir: string, original: { sha256: string; ext: string }): string {
  return join(outputDir, ".state", "originals", `${original.sha256}.${original.ext}`);
}

async function writeRendered(
  outputDir: string,
  original: Buffer,
  spec: ImageSpec,
  pathFor: (ext: string) => string,
): Promise<WrittenFile> {
  const { bytes, info } = await renderOutput(original, spec);
  const path = pathFor(info.ext);
  await writeFileAtomic(join(outputDir, path), bytes, { within: outputDir });
  const stamp = await stampOf(join(outputDir, path));
  return {
    path,
    ...(stamp === undefined ? {} : { stamp }),
    width: info.width,
    height: info.height,
    bytes: bytes.length,
    sha256: sha256(bytes),
    contentType: info.contentType,
  };
}

/**
 * Makes every file of one image from fal's original bytes: the main output, the derivatives
 * and the sidecar, each written atomically. `cpu` runs the image work in the bounded pool.
 */
export async function deliverFromOriginal(
  outputDir: string,
  original: Buffer,
  originalInfo: { sha256: string; ext: string },
  sourceUrl: string,
  delivery: Delivery,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<SavedImage> {
  const main = await cpu(() => writeRendered(outputDir, original, delivery.main, delivery.pathFor));
  const derivatives: Array<WrittenFile & { name: string }> = [];
  for (const d of delivery.derivatives)
    derivatives.push(
      Object.assign({ name: d.name }, await cpu(() => writeRendered(outputDir, original, d.spec, d.pathFor))),
    );
  // Object.assign, not a spread: V8 gives each object spread from another a hidden class of its
  // own, and a night keeps every image's record to its end (see JobSteps.finish).
  const saved: SavedImage = Object.assign({}, main, { sourceUrl, original: originalInfo, derivatives });
  await writeSidecar(outputDir, delivery, saved);
  return saved;
}

/** How fal's stated content type and size differ from the decoded image, or undefined when they agree. */
function claimsDiffer(
  claims: FalImageClaims,
  info: { contentType: string; width: number; height: number },
): string | undefined {
  const said: string[] = [];
  const is: string[] = [];
  const type = claims.content_type?.split(";")[0]?.trim();
  if (type && type !== info.contentType) {
    said.push(type);
    is.push(info.contentType);
  }
  if ((claims.width && claims.width !== info.width) || (claims.height && claims.height !== info.height)) {
    said.push(`${claims.width ?? "?"}x${claims.height ?? "?"}`);
    is.push(`${info.width}x${info.height}`);
  }
  return said.length === 0 ? undefined : `fal said ${said.join(" ")}, the file is ${is.join(" ")}`;
}

/**
 * Keeps one result image: downloads it (http(s) or data: only, size-capped), decodes it in full
 * (bytes that do not decode are an error, never a kept file) and keeps the original under
 * `.state/originals/` by its hash. The bytes are the image: a type or size fal stated that they
 * contradict is returned in `claimsDiffer`, for the caller to warn of and record. This is all
 * of a job's delivery; the outputs are rendered from the kept original apart (`renderKept`).
 */
export async function keepImage(
  outputDir: string,
  claims: FalImageClaims,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
  options: DownloadOptions = {},
): Promise<KeptImage> {
  const bytes = await downloadFile(claims.url, options);
  const info = await cpu(() => inspectImage(bytes));
  const differ = claimsDiffer(claims, info);
  const original = { sha256: sha256(bytes), ext: info.ext };
  const keep = originalFile(outputDir, original);
  if (
    !(await access(keep).then(
      () => true,
      () => false,
    ))
  )
    await writeFileAtomic(keep, bytes, { within: outputDir });
  return {
    sourceUrl: displayUrl(claims.url),
    original,
    width: info.width,
    height: info.height,
    contentType: info.contentType,
    ...(differ === undefined ? {} : { claimsDiffer: differ }),
  };
}

/**
 * Renders one kept image's outputs from its original under `.state/originals/` (no call to
 * fal): read, checked against its hash, then made as `delivery` asks. Throws when the original
 * is gone or not what was kept.
 */
export async function renderKept(
  outputDir: string,
  kept: Pick<KeptImage, "original" | "sourceUrl">,
  delivery: Delivery,
  cpu: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<SavedImage> {
  const path = originalFile(outputDir, kept.original);
  const bytes = await readBytes(path, { within: outputDir });
  if (!bytes)
    throw Object.assign(new Error(`ENOENT: the kept original ${path} is gone`), { code: "ENOENT", path });
  if (sha256(bytes) !== kept.original.sha256)
    throw new Error(`the kept original ${kept.original.sha256}.${kept.original.ext} is not what was kept`);
  return deliverFromOriginal(outputDir, bytes, kept.original, kept.sourceUrl, delivery, cpu);
}
