import { FalAnswerRefusedError } from "../model/refused-answer.js";

export { FalAnswerRefusedError };

/** fal's request ids are UUIDs; anything else could be a path (`../../x`) or a query once in a URL. */
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` has the form of a fal request id (a UUID). */
export function isFalRequestId(id: unknown): id is string {
  return typeof id === "string" && REQUEST_ID.test(id);
}

/** Returns `id` when it has fal's form; refuses it (before it is put in any URL) otherwise. */
export function checkRequestId(id: unknown, what = "a request id"): string {
  if (isFalRequestId(id)) return id;
  const shown = typeof id === "string" ? JSON.stringify(id.slice(0, 80)) : String(id);
  throw new FalAnswerRefusedError("request-id", `${what} is not of fal's form (a UUID), refused: ${shown}`);
}

/**
 * The largest JSON answer (a result, a status, an error body) read from fal. A Seedream result
 * lists a few URLs; with `sync_mode` it holds the images as data: URIs, a few MB at most.
 */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * The largest status stream read in one follow: a stream sends an event per change and a comment
 * every 15 s, a few hundred bytes each; past this it is garbage, and the follow gives way.
 */
export const MAX_STREAM_BYTES = 4 * 1024 * 1024;

/**
 * `response` with its body cut off at `maxBytes`: a declared Content-Length over the cap is
 * refused before any byte is read, and a body without one (chunked) errors the moment it
 * passes the cap, so nothing is ever buffered past it.
 */
export function cappedResponse(response: Response, maxBytes: number, tooLarge: () => Error): Response {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return response;
  let seen = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
