import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** How an image source is fetched: as a URL passed to fal, or a local file to upload. */
export type ImageKey =
  | { readonly kind: "url"; readonly key: string }
  | { readonly kind: "file"; readonly key: string }
  | { readonly kind: "invalid"; readonly message: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Classifies an image source as written in a manifest (pure: no file is touched): http(s) and
 * `data:` pass through; a path (or `file:` URL) becomes an absolute path relative to `folder`
 * (the folder of the file that names it); any other scheme is refused.
 */
export function imageKey(folder: string, source: string): ImageKey {
  const scheme = SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https")
    return URL.canParse(source)
      ? { kind: "url", key: source }
      : { kind: "invalid", message: `\`${source}\` is not a valid URL` };
  if (scheme === "data")
    return /^data:image\/[a-z0-9.+-]+(;[^,]*)?,/i.test(source)
      ? { kind: "url", key: source }
      : { kind: "invalid", message: "a data: URI must hold an image (data:image/…)" };
  if (scheme === "file") return { kind: "file", key: fileURLToPath(source) };
  // One letter before a colon is a Windows drive, not a scheme.
  if (scheme && scheme.length > 1)
    return {
      kind: "invalid",
      message: `unsupported URL scheme \`${scheme}:\`; use a local path, http(s) or data:`,
    };
  return { kind: "file", key: resolve(folder, source) };
}
