import { FalAnswerRefusedError } from "./answer-rules.js";

/**
 * fal's media hosts, where its results live: `fal.media` and its subdomains (`v3.fal.media`, …),
 * and fal's older bucket on Google Cloud Storage (`/falserverless/…`).
 */
const FAL_MEDIA_HOST = /(^|\.)fal\.media$/i;
const FAL_BUCKET = { host: "storage.googleapis.com", path: "/falserverless/" };

/**
 * Why a result URL is not one the runner downloads, or undefined when it is. `target` is where
 * fal traffic goes: `fal`, or a base URL (an emulator, a proxy) whose origin — scheme, host and
 * port — is allowed too. Only https on fal's media hosts otherwise: never a loopback, private or
 * link-local address (another port of 127.0.0.1 is another service), never plain http. `data:`
 * URIs (fal's `sync_mode`) hold their bytes and are allowed.
 */
export function resultUrlProblem(url: string, target: string): string | undefined {
  if (url.startsWith("data:")) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL";
  }
  if (target !== "fal" && sameOrigin(parsed, target)) return undefined;
  if (parsed.username || parsed.password) return "a URL with credentials in it";
  if (parsed.protocol !== "https:")
    return `${parsed.protocol.replace(/:$/, "")}, not https, off fal's base URL`;
  if (parsed.port !== "") return "a port of its own on fal's media hosts";
  const host = parsed.hostname;
  if (FAL_MEDIA_HOST.test(host)) return undefined;
  if (host === FAL_BUCKET.host && parsed.pathname.startsWith(FAL_BUCKET.path)) return undefined;
  return `${host} is not one of fal's media hosts${target === "fal" ? "" : ` nor the base URL's origin (${new URL(target).origin})`}`;
}

function sameOrigin(url: URL, target: string): boolean {
  try {
    return url.origin === new URL(target).origin;
  } catch {
    return false;
  }
}

/** Throws the permanent error naming the rule when `url` is not one to download from (see `resultUrlProblem`). */
export function checkResultUrl(url: string, target: string): void {
  const problem = resultUrlProblem(url, target);
  if (problem !== undefined)
    throw new FalAnswerRefusedError(
      "result-url",
      `result URL refused (${problem}): results are downloaded only from fal's media hosts over https or the base URL's origin: ${shortUrl(url)}`,
    );
}

/** A URL for a message: no query (it may hold a token), at most 120 characters. */
function shortUrl(url: string): string {
  const bare = url.split(/[?#]/)[0] ?? url;
  return bare.length > 120 ? `${bare.slice(0, 117)}...` : bare;
}

/**
 * Refuses a result that lists more images than the job asked for (`most`), or any image whose
 * URL is not one to download from: before anything of it is journaled, written or counted as
 * spent. What is not a list is left to the result's own checks.
 */
export function checkResultImages(data: unknown, most: number, target: string): void {
  const images = (data as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) return;
  if (images.length > most)
    throw new FalAnswerRefusedError(
      "result-images",
      `fal's result lists ${images.length} images, more than the ${most} asked for: refused`,
    );
  for (const image of images) {
    const url = (image as { url?: unknown } | null)?.url;
    if (typeof url === "string") checkResultUrl(url, target);
  }
}
