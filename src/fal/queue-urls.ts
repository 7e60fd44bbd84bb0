import type { FalRequestRef, QueueUrls } from "../model/queue-urls.js";
import { isFalHost } from "./redirect-fetch.js";

export type { FalRequestRef, QueueUrls };

/** The queue URLs of a reply, or why they cannot be used (then the client builds them from the endpoint id). */
export type ReplyUrls = { readonly urls: QueueUrls } | { readonly refused: string };

function checkUrl(raw: unknown, name: string, requestId: string, baseUrl: string | undefined): string {
  if (typeof raw !== "string") throw new Error(`${name} is missing`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  // The key goes with every queue call: only to fal, or to the base URL the user chose.
  const atBase = baseUrl !== undefined && url.origin === new URL(baseUrl).origin;
  if (!atBase && !(url.protocol === "https:" && isFalHost(url.hostname)))
    throw new Error(`${name} is not on a fal host: ${url.origin}`);
  if (url.username !== "" || url.password !== "") throw new Error(`${name} carries credentials`);
  if (!url.pathname.split("/").includes(requestId))
    throw new Error(`${name} does not name request ${requestId}`);
  return url.toString();
}

/**
 * Reads the URLs of a submit reply, refusing any that would send the key elsewhere than fal (or
 * the base URL, when traffic goes there) or that do not name the request: a reply is outside
 * input like any other.
 */
export function replyUrls(reply: unknown, requestId: string, baseUrl: string | undefined): ReplyUrls {
  const r = (reply ?? {}) as { status_url?: unknown; response_url?: unknown; cancel_url?: unknown };
  try {
    return {
      urls: {
        status: checkUrl(r.status_url, "status_url", requestId, baseUrl),
        response: checkUrl(r.response_url, "response_url", requestId, baseUrl),
        cancel: checkUrl(r.cancel_url, "cancel_url", requestId, baseUrl),
      },
    };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

/**
 * A URL to reach a request by, or undefined when it is not one to send the key to (a journal is
 * outside input too: an edited one must not send the key elsewhere). Checked at every call.
 */
export function usableUrl(raw: string, requestId: string, baseUrl: string | undefined): string | undefined {
  try {
    return checkUrl(raw, "url", requestId, baseUrl);
  } catch {
    return undefined;
  }
}

/**
 * The status stream of a request: fal documents it as `…/requests/{id}/status/stream`, the
 * status URL with `/stream` after it (the submit reply has no URL of its own for it).
 */
export function streamUrlOf(urls: QueueUrls): string {
  const url = new URL(urls.status);
  url.pathname = `${url.pathname.replace(/\/$/, "")}/stream`;
  return url.toString();
}
