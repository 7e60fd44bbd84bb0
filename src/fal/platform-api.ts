import { cappedResponse, MAX_ANSWER_BYTES } from "./answer-rules.js";
import type { FalTarget } from "./edit-client.js";
import { redirectingFetch } from "./redirect-fetch.js";
import { type SecretScrubber, scrubberFor } from "./secrets.js";

/** fal's Platform API; with a base-URL target the call goes there instead, path kept. */
export const PLATFORM_API_BASE = "https://api.fal.ai/v1";

/** Where Platform API calls go and with which key, as for the queue (see `resolveFalAccess`). */
export interface PlatformAccess {
  readonly target: FalTarget;
  /** `Key` credentials; undefined sends none (for a proxy that adds its own). */
  readonly credentials: string | undefined;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Longest wait for one call, in ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Scrubs the credentials from every answer. @default the credentials sent (see `scrubberFor`) */
  readonly secrets?: SecretScrubber;
}

/** A Platform API call that failed: no answer (`status` undefined) or a non-2xx one. The key is never in it. */
export class PlatformApiError extends Error {
  readonly code = "FAL_PLATFORM_API";
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PlatformApiError";
  }
}

/**
 * `GET {PLATFORM_API_BASE}{path}?{query}` with the key (a list value repeats its parameter);
 * resolves with the JSON body of a 2xx answer of at most `maxBytes`.
 */
export async function platformGet(
  access: PlatformAccess,
  path: string,
  query: Readonly<Record<string, string | readonly string[] | undefined>>,
  signal?: AbortSignal,
  maxBytes = MAX_ANSWER_BYTES,
): Promise<unknown> {
  const url = new URL(`${PLATFORM_API_BASE}${path}`);
  for (const [k, v] of Object.entries(query))
    for (const one of v === undefined ? [] : typeof v === "string" ? [v] : v) url.searchParams.append(k, one);
  const base = access.fetch ?? globalThis.fetch;
  const fetchImpl = access.target.kind === "base-url" ? redirectingFetch(access.target.baseUrl, base) : base;
  const timeout = AbortSignal.timeout(access.timeoutMs ?? 30_000);
  const headers: Record<string, string> = { accept: "application/json" };
  if (access.credentials !== undefined) headers.authorization = `Key ${access.credentials}`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    const why =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new PlatformApiError(`GET ${path}: no answer (${why})`, undefined, { cause: error });
  }
  let text: string;
  try {
    const capped = cappedResponse(
      response,
      maxBytes,
      () => new Error(`the answer is over the ${maxBytes / 1024 / 1024} MiB cap`),
    );
    text = await (access.secrets ?? scrubberFor(access.credentials)).response(capped).text();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new PlatformApiError(`GET ${path}: ${why}`, response.status, { cause: error });
  }
  if (!response.ok) {
    let detail = text.slice(0, 200);
    try {
      const body = JSON.parse(text) as { detail?: unknown };
      if (body.detail !== undefined)
        detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch {
      // Not JSON: the start of the text says enough.
    }
    throw new PlatformApiError(`GET ${path}: HTTP ${response.status}: ${detail}`, response.status);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PlatformApiError(`GET ${path}: the answer is not JSON`, response.status, { cause: error });
  }
}
