/** Options of a result download. */
export interface DownloadOptions {
  readonly fetch?: typeof fetch;
  /** Largest file accepted, in bytes. @default 100 MiB */
  readonly maxBytes?: number;
  /** Abort a download that takes longer, in ms. @default 120000 */
  readonly timeoutMs?: number;
}

/**
 * Fetches a result file: `https:`/`http:` URLs over the network, `data:` URIs (what fal
 * answers with `sync_mode`) decoded in place. Other schemes are refused. A body shorter than
 * its Content-Length is an error, never a short file.
 */
export async function downloadFile(url: string, options: DownloadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    if (comma < 0) throw new Error("malformed data: URI");
    const meta = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    const bytes = meta.endsWith(";base64")
      ? Buffer.from(payload, "base64")
      : Buffer.from(decodeURIComponent(payload));
    if (bytes.length > maxBytes)
      throw new Error(`file is ${bytes.length} bytes, over the ${maxBytes}-byte cap`);
    return bytes;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== "http" && scheme !== "https")
    throw new Error(`refusing to download a ${scheme ?? "relative"} URL`);
  const response = await (options.fetch ?? fetch)(url, {
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  });
  if (!response.ok) throw new Error(`download failed: HTTP ${response.status}`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw new Error(`file is ${declared} bytes, over the ${maxBytes}-byte cap`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw new Error(`file is over the ${maxBytes}-byte cap`);
  if (Number.isFinite(declared) && bytes.length !== declared)
    throw new Error(`truncated download: ${bytes.length} of ${declared} bytes`);
  return bytes;
}
