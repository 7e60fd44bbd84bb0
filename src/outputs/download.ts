import { FalAnswerRefusedError } from "../model/refused-answer.js";

/** Options of a result download. */
export interface DownloadOptions {
  readonly fetch?: typeof fetch;
  /** Largest file accepted, in bytes. @default 100 MiB */
  readonly maxBytes?: number;
  /** Abort a download that takes longer, in ms. @default 120000 */
  readonly timeoutMs?: number;
  /**
   * Throws when a URL is not one to download from: called for the URL and for every redirect
   * before it is followed (see `checkResultUrl`). @default every http(s) URL is allowed
   */
  readonly checkUrl?: (url: string) => void;
  /** Stops the download (the run was interrupted). */
  readonly signal?: AbortSignal;
}

/** Redirects followed at most (each one checked). */
const MAX_REDIRECTS = 5;

/** A file over the cap: the same file would be over it again (permanent). */
function tooLarge(size: string, maxBytes: number): Error {
  return new FalAnswerRefusedError(
    "download-size",
    `result file is ${size}, over the ${maxBytes}-byte cap: refused`,
  );
}

/** The bytes of a body, erroring the moment they pass `maxBytes` (a chunked body is never buffered past it). */
async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(`${declared} bytes`, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge("more", maxBytes);
      }
      chunks.push(value);
    }
  }
  const bytes = Buffer.concat(chunks, total);
  if (Number.isFinite(declared) && bytes.length !== declared)
    throw new Error(`truncated download: ${bytes.length} of ${declared} bytes`);
  return bytes;
}

/**
 * Fetches a result file: `https:`/`http:` URLs over the network, `data:` URIs (what fal
 * answers with `sync_mode`) decoded in place. Other schemes are refused. Redirects are followed
 * by hand, each target passing `checkUrl` first. A body shorter than its Content-Length is an
 * error, never a short file.
 */
export async function downloadFile(url: string, options: DownloadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  options.checkUrl?.(url);
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    if (comma < 0) throw new Error("malformed data: URI");
    const meta = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    const bytes = meta.endsWith(";base64")
      ? Buffer.from(payload, "base64")
      : Buffer.from(decodeURIComponent(payload));
    if (bytes.length > maxBytes) throw tooLarge(`${bytes.length} bytes`, maxBytes);
    return bytes;
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let at = url;
  for (let hops = 0; ; hops++) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(at)?.[1]?.toLowerCase();
    if (scheme !== "http" && scheme !== "https")
      throw new Error(`refusing to download a ${scheme ?? "relative"} URL`);
    const response = await (options.fetch ?? fetch)(at, { signal, redirect: "manual" });
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel().catch(() => {});
      if (hops >= MAX_REDIRECTS) throw new Error(`download failed: more than ${MAX_REDIRECTS} redirects`);
      at = new URL(location, at).toString();
      options.checkUrl?.(at);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`download failed: HTTP ${response.status}`);
    }
    return readCapped(response, maxBytes);
  }
}
