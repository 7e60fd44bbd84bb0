import type { Clock } from "../clock.js";
import {
  createEditClient,
  createRequestHistory,
  type FalAccess,
  inputDigest,
  redirectingFetch,
  streamUrlOf,
} from "../fal/index.js";
import type { EndpointProfile } from "../journal/fal-profile.js";
import { inspectImage, solidPng } from "../outputs/image-codec.js";

/** One check of `doctor`: what was found, and what follows from it for the night. */
export interface DoctorLine {
  /** `fail`: something the night needs does not hold (the exit code says so). */
  readonly level: "ok" | "warn" | "fail";
  readonly check: string;
  readonly detail: string;
  readonly means: string;
}

/** What `doctor --live` needs. */
export interface LiveCheckOptions {
  readonly access: FalAccess;
  readonly clock: Clock;
  /** `x-fal-request-timeout` of the check's request, in seconds. */
  readonly startTimeoutS: number;
  /** The longest the check waits for its request to end, and then for the history to list it (ms). */
  readonly waitMs: number;
  readonly fetch?: typeof fetch;
}

/** The most a status stream, a result answer or a result image may send the check. */
const MAX_STREAM_BYTES = 1024 * 1024;
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** fal promises a keep-alive on a status stream at least this often. */
const KEEP_ALIVE_MS = 15_000;

/** The queue URLs `@fal-ai/client` builds for a request (fal's queue host, owner/app path). */
function builtUrls(access: FalAccess, endpointId: string, requestId: string) {
  const base = access.target.kind === "base-url" ? access.target.baseUrl : "https://queue.fal.run";
  const [owner, app] = endpointId.split("/");
  const request = `${base}/${owner}/${app}/requests/${requestId}`;
  return { status: `${request}/status`, response: request, cancel: `${request}/cancel` };
}

/** The fetch of the run for fal's hosts: to the base URL when there is one. */
function falFetch(options: LiveCheckOptions): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  return options.access.target.kind === "base-url"
    ? redirectingFetch(options.access.target.baseUrl, base)
    : base;
}

/** Reads a body to its end, refusing more than `max` bytes. */
async function boundedBody(response: Response, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > max) throw new Error(`the answer is over ${max} bytes`);
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks);
}

function headers(access: FalAccess): Record<string, string> {
  return access.credentials === undefined ? {} : { authorization: `Key ${access.credentials}` };
}

/** Follows the status stream at the reply's status URL: events and keep-alive comments until COMPLETED. */
async function watchStream(options: LiveCheckOptions, streamUrl: string) {
  const started = options.clock.now();
  const response = await falFetch(options)(`${streamUrl}?logs=0`, {
    headers: { ...headers(options.access), accept: "text/event-stream" },
    signal: AbortSignal.timeout(options.waitMs),
  });
  if (!response.ok) throw new Error(`the status stream answered HTTP ${response.status}`);
  let events = 0;
  let keepAlives = 0;
  let completed = false;
  let text = "";
  let size = 0;
  const decoder = new TextDecoder();
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > MAX_STREAM_BYTES) break;
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = text.indexOf("\n");
    while (end >= 0) {
      const line = text.slice(0, end).trim();
      text = text.slice(end + 1);
      end = text.indexOf("\n");
      if (line.startsWith(":")) keepAlives += 1;
      else if (line.startsWith("data:")) {
        events += 1;
        if (/"status"\s*:\s*"COMPLETED"/.test(line)) completed = true;
      }
    }
    if (completed) break;
  }
  return {
    events,
    keepAlives,
    completed,
    lastedMs: options.clock.now() - started,
    endedAt: options.clock.now(),
  };
}

interface ResultImage {
  readonly url?: unknown;
  readonly content_type?: unknown;
  readonly width?: unknown;
  readonly height?: unknown;
}

/** The first image of the result at the reply's response URL, its stated metadata against its bytes. */
async function checkResult(
  options: LiveCheckOptions,
  responseUrl: string,
): Promise<{ ok: boolean; detail: string }> {
  const answer = await falFetch(options)(responseUrl, {
    headers: headers(options.access),
    signal: AbortSignal.timeout(120_000),
  });
  if (!answer.ok) return { ok: false, detail: `the result answered HTTP ${answer.status}` };
  const body = JSON.parse(Buffer.from(await boundedBody(answer, MAX_ANSWER_BYTES)).toString("utf8")) as {
    images?: ResultImage[];
  };
  const image = Array.isArray(body.images) ? body.images[0] : undefined;
  if (!image || typeof image.url !== "string") return { ok: false, detail: "the result has no image URL" };
  const got = await falFetch(options)(image.url, { signal: AbortSignal.timeout(300_000) });
  if (!got.ok) return { ok: false, detail: `the image answered HTTP ${got.status}` };
  const info = await inspectImage(await boundedBody(got, MAX_IMAGE_BYTES));
  const said = `${String(image.content_type)} ${String(image.width)}x${String(image.height)}`;
  const is = `${info.contentType} ${info.width}x${info.height}`;
  const ok =
    (image.content_type === undefined || image.content_type === info.contentType) &&
    (image.width === undefined || image.width === info.width) &&
    (image.height === undefined || image.height === info.height);
  return {
    ok,
    detail: ok ? `stated ${said}, the bytes are ${is}` : `stated ${said}, but the bytes are ${is}`,
  };
}

/** Waits (on the clock, bounded) for the history to list the request; its input's digest and the delay. */
async function findInHistory(
  options: LiveCheckOptions,
  endpointId: string,
  requestId: string,
  sentAt: number,
  endedAt: number,
) {
  const history = createRequestHistory({
    target: options.access.target,
    credentials: options.access.credentials,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { clock } = options;
  const giveUpAt = clock.now() + options.waitMs;
  for (let wait = 500; ; wait = Math.min(wait * 2, 15_000)) {
    const entries = await history.list({ endpointId, from: sentAt - 60_000, payloads: true });
    const entry = entries.find((e) => e.requestId === requestId);
    if (entry && entry.input !== undefined && entry.input !== null)
      return { digest: inputDigest(entry.input), delayMs: Math.max(0, clock.now() - endedAt) };
    if (clock.now() >= giveUpAt) return undefined;
    await clock.sleep(Math.min(wait, Math.max(0, giveUpAt - clock.now())));
  }
}

/**
 * Sends one smallest request to `endpointId` (billed like any other) and verifies what
 * reconciliation and delivery rely on; says one line per check and returns what it verified.
 */
export async function liveCheck(
  endpointId: string,
  options: LiveCheckOptions,
  say: (line: DoctorLine) => void,
): Promise<EndpointProfile> {
  const { access, clock } = options;
  const client = createEditClient({
    target: access.target,
    credentials: access.credentials,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const url = await client.upload({
    bytes: await solidPng(256, 256, "#7a9a5a"),
    contentType: "image/png",
    fileName: "doctor.png",
  });
  const input = { prompt: "Keep the image as it is.", image_urls: [url], num_images: 1 };
  const sentAt = clock.now();
  // Sent as a night sends it: the runner's own client, which keeps the reply's URLs it accepts.
  const submitted = await client.submit(endpointId, input, { startTimeoutS: options.startTimeoutS });
  const id = submitted.requestId;
  const built = builtUrls(access, endpointId, id);
  const urls = submitted.urls;
  const same =
    urls && urls.status === built.status && urls.response === built.response && urls.cancel === built.cancel;
  say({
    level: urls ? "ok" : "fail",
    check: `${endpointId}: submit reply URLs`,
    detail: urls
      ? `request ${id}: status_url, response_url and cancel_url taken${same ? " (the paths the client would build)" : `, not the paths the client would build (${built.status})`}`
      : `request ${id}: ${submitted.refusedUrls ?? "no URLs"}`,
    means: urls
      ? "status, result and cancel go where fal says the request is"
      : "the runner builds the URLs from the endpoint id, which fal does not promise to serve",
  });
  const stream = await watchStream(options, urls ? streamUrlOf(urls) : `${built.status}/stream`);
  const keepAliveDue = stream.lastedMs >= KEEP_ALIVE_MS;
  const streamOk = stream.completed && stream.events > 0 && (!keepAliveDue || stream.keepAlives > 0);
  say({
    level: streamOk ? "ok" : "fail",
    check: `${endpointId}: status stream`,
    detail: `${stream.events} events, ${stream.keepAlives} keep-alives in ${(stream.lastedMs / 1000).toFixed(1)} s${stream.completed ? ", ended by COMPLETED" : ", no COMPLETED"}${keepAliveDue ? "" : " (too short for a keep-alive to be due)"}`,
    means: streamOk
      ? "a night follows its requests on the stream"
      : "a night falls back to polling when a stream stays silent",
  });
  const listed = await findInHistory(options, endpointId, id, sentAt, stream.endedAt);
  const matches = listed?.digest === inputDigest(input);
  say({
    level: matches ? "ok" : "fail",
    check: `${endpointId}: request history`,
    detail: !listed
      ? `request ${id} not listed within ${Math.round(options.waitMs / 1000)} s`
      : matches
        ? `listed ${(listed.delayMs / 1000).toFixed(1)} s after it ended, json_input with the digest sent`
        : `listed ${(listed.delayMs / 1000).toFixed(1)} s after it ended, but its json_input is not the input sent (another digest)`,
    means: matches
      ? `a submit in doubt not listed by its bound + ${(listed.delayMs / 1000).toFixed(1)} s is sent again`
      : "a submit in doubt that the history does not list waits for a person (--retry-failed), never sent again on its own",
  });
  const result = await checkResult(options, urls?.response ?? built.response);
  say({
    // A stated mismatch costs nothing: the runner keeps the bytes as they are and warns.
    level: result.ok ? "ok" : "warn",
    check: `${endpointId}: result metadata`,
    detail: result.detail,
    means: result.ok
      ? "stated sizes can be relied on"
      : "the bytes decide: a stated mismatch is recorded, not trusted",
  });
  return {
    checked_at: new Date(clock.now()).toISOString(),
    submit_urls: urls !== undefined,
    stream_events: stream.completed && stream.events > 0,
    keep_alive_seen: stream.keepAlives > 0,
    history_lists_input: matches,
    ...(listed ? { listing_delay_ms: Math.round(listed.delayMs) } : {}),
    metadata_matches: result.ok,
  };
}
