import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { ManifestIssue } from "../errors.js";
import { inspectImage } from "../outputs/image-codec.js";
import type { ImageRef } from "./types.js";

/** A reference that failed to resolve, with why. */
export type Resolved =
  | { readonly ok: true; readonly ref: ImageRef }
  | { readonly ok: false; readonly message: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Resolves one image reference: http(s) URLs and `data:` URIs pass through; anything else is
 * a local path relative to the manifest's folder, read, hashed and decoded to prove it is an
 * image. `cache` holds files already read, so a file named twice is read once.
 */
export async function resolveImage(
  manifestFile: string,
  source: string,
  cache: Map<string, Promise<Resolved>>,
): Promise<Resolved> {
  const scheme = SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https") {
    try {
      new URL(source);
    } catch {
      return { ok: false, message: `\`${source}\` is not a valid URL` };
    }
    return { ok: true, ref: { kind: "url", url: source } };
  }
  if (scheme === "data") {
    return /^data:image\/[a-z0-9.+-]+(;[^,]*)?,/i.test(source)
      ? { ok: true, ref: { kind: "url", url: source } }
      : { ok: false, message: "a data: URI must hold an image (data:image/…)" };
  }
  if (scheme && scheme.length > 1 && scheme !== "file")
    return {
      ok: false,
      message: `unsupported URL scheme \`${scheme}:\`; use a local path, http(s) or data:`,
    };
  const path = resolve(dirname(manifestFile), scheme === "file" ? new URL(source).pathname : source);
  let pending = cache.get(path);
  if (!pending) {
    pending = readLocal(path, source);
    cache.set(path, pending);
  }
  return pending;
}

async function readLocal(path: string, source: string): Promise<Resolved> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path} (${code ?? "error"})`,
    };
  }
  try {
    const info = await inspectImage(bytes);
    return {
      ok: true,
      ref: {
        kind: "file",
        path,
        source,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        bytes: bytes.length,
        contentType: info.contentType,
        width: info.width,
        height: info.height,
      },
    };
  } catch (error) {
    return { ok: false, message: `${path} is not an image: ${(error as Error).message}` };
  }
}

export type { ManifestIssue };
