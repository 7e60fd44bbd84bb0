import { ApiError, createFalClient, ValidationError } from "@fal-ai/client";
import { type Clock, systemClock } from "../clock.js";
import type { FalFailure } from "../model/failure.js";
import { checkRequestId, FalAnswerRefusedError, isFalRequestId } from "./answer-rules.js";
import { type FalStatus, toFalStatus } from "./fal-status.js";
import { followStatusStream } from "./follow-stream.js";
import { guardedFetch } from "./guarded-fetch.js";
import { oneSend, oneSendFetch } from "./one-send.js";
import { type FalRequestRef, type QueueUrls, replyUrls, streamUrlOf, usableUrl } from "./queue-urls.js";
import { redirectingFetch } from "./redirect-fetch.js";
import { type SecretScrubber, scrubberFor } from "./secrets.js";
import { observingFetch, SubmitInDoubtError, type Traffic } from "./traffic.js";

export type { FalStatus };

/** Where fal traffic goes: fal itself, or another base URL (emulator, proxy, recorder). */
export type FalTarget = { readonly kind: "fal" } | { readonly kind: "base-url"; readonly baseUrl: string };

/** A file to upload to fal storage. */
export interface UploadFile {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly fileName: string;
}

export interface SubmitOptions {
  /** fal's bound on time queued before processing starts, in seconds (`x-fal-request-timeout`). */
  readonly startTimeoutS?: number;
  /**
   * How long fal keeps the files the request generates, in seconds
   * (`X-Fal-Object-Lifecycle-Preference: {"expiration_duration_seconds": N}`); absent, the
   * account's default applies.
   */
  readonly mediaLifetimeS?: number;
  /**
   * false sends `X-Fal-Store-IO: 0`: fal keeps no payloads of the request, so its history cannot
   * say what it was sent or what it returned. @default true
   */
  readonly storeIo?: boolean;
  /**
   * Called as the submit is about to leave (after any gate held it): the moment from which fal
   * may have it, for a journal to record before it goes. The client never sends it again by
   * itself (see `one-send.ts`): every send is a call of `submit`, and told here once.
   */
  readonly onSend?: () => void;
}

/** What fal answered a submit: the request id and the URLs to reach it by. */
export interface Submitted {
  readonly requestId: string;
  /** fal's `status_url`, `response_url`, `cancel_url`; undefined when the reply's could not be used. */
  readonly urls: QueueUrls | undefined;
  /** Why the reply's URLs were not used (the client then builds them from the endpoint id). */
  readonly refusedUrls?: string;
}

/** The narrow part of fal this project uses; the only door to `@fal-ai/client`. */
export interface EditClient {
  upload(file: UploadFile): Promise<string>;
  submit(endpointId: string, input: Record<string, unknown>, options?: SubmitOptions): Promise<Submitted>;
  /** One status call; `signal` ends a call that hangs (the wait it is part of ended). */
  status(endpointId: string, request: FalRequestRef, signal?: AbortSignal): Promise<FalStatus>;
  /**
   * Follows the status stream (one call for the whole wait) until COMPLETED; `onUpdate` sees
   * every status on the way. Rejects when the stream fails, goes silent (`StreamSilentError`),
   * or `signal` aborts.
   */
  follow(
    endpointId: string,
    request: FalRequestRef,
    onUpdate: (status: FalStatus) => void,
    signal?: AbortSignal,
  ): Promise<FalStatus>;
  result(endpointId: string, request: FalRequestRef): Promise<{ data: unknown; requestId: string }>;
  cancel(endpointId: string, request: FalRequestRef): Promise<void>;
}

export interface EditClientOptions {
  readonly target: FalTarget;
  /** `Key` credentials; undefined sends none (for a proxy that adds its own). */
  readonly credentials: string | undefined;
  /** The fetch under everything (tests and the benchmark may observe it). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The account-wide gate and observer every call passes through. */
  readonly traffic?: Traffic;
  /** Times the status stream's silences. @default the traffic's clock, else the system clock */
  readonly clock?: Clock;
  /**
   * A status stream that sends nothing (no event, no keep-alive comment) for this long is given
   * up, and the wait goes on by polling. fal sends a keep-alive at least every 15 s. @default 45000
   */
  readonly streamSilenceMs?: number;
  /**
   * Scrubs the credentials from every answer, before the client reads it (a key fal echoes).
   * @default the credentials sent (none for the built-in emulator's stand-in key)
   */
  readonly secrets?: SecretScrubber;
}

/** Per call: where it goes instead of the URL the client built, who is told it leaves, who hears its body. */
interface CallRoute {
  readonly to?: string | undefined;
  readonly onSend?: () => void;
  readonly heard?: () => void;
  /** Told the status of the answer, once its headers came (before its body is read). */
  readonly answered?: (status: number) => void;
  /** Also aborts the call (and its body): closes a stream whatever ended its follow. */
  readonly signal?: AbortSignal;
}

/** A response whose body tells `heard` of every chunk (keep-alive comments included). */
function listenedTo(response: Response, heard: () => void): Response {
  if (!response.body) return response;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        heard();
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** The URL fal gave, with the query the client built (`logs=0`). */
function routed(built: string, to: string): URL {
  const url = new URL(to);
  const query = new URL(built).search;
  if (query) url.search = query;
  return url;
}

/** Creates the EditClient over the real `@fal-ai/client`, redirected and observed in one place. */
export function createEditClient(options: EditClientOptions): EditClient {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const redirected = guardedFetch(
    options.target.kind === "base-url" ? redirectingFetch(options.target.baseUrl, baseFetch) : baseFetch,
    options.secrets ?? scrubberFor(options.credentials),
  );
  // Outermost, the one-send wrapper: the gate and observer below see the caller's signal.
  const observed = (inner: typeof fetch) =>
    oneSendFetch(options.traffic ? observingFetch(options.traffic, inner) : inner);
  const baseUrl = options.target.kind === "base-url" ? options.target.baseUrl : undefined;
  const clock = options.clock ?? options.traffic?.clock ?? systemClock;
  const silenceMs = options.streamSilenceMs ?? 45_000;
  // An explicit resolver keeps the client from reading FAL_KEY from the environment itself.
  const credentials = options.credentials;
  // The runner's retry layer is the only one (see `src/run/retry-policy.ts`): `maxRetries: 0`
  // turns off the client's retries of uploads, cancels and streams; submit, status and result
  // override it, and send once by their `oneSend` signal.
  const noRetries = { maxRetries: 0 } as const;
  const fal = createFalClient({
    credentials: () => credentials,
    fetch: observed(redirected),
    retry: noRetries,
  });
  /**
   * A client for one call: sent to the URL fal gave for the request (the client builds its own
   * from the endpoint id), told as it leaves, heard as its body arrives. Cheap: a few objects.
   */
  const clientFor = (route: CallRoute) =>
    createFalClient({
      credentials: () => credentials,
      retry: noRetries,
      fetch: observed(async (input, init) => {
        route.onSend?.();
        const built = input instanceof Request ? input.url : String(input);
        const target = route.to === undefined ? input : routed(built, route.to);
        const signal =
          route.signal && init?.signal
            ? AbortSignal.any([init.signal, route.signal])
            : (route.signal ?? init?.signal);
        const response = await redirected(
          input instanceof Request && target !== input ? new Request(target, input) : target,
          signal ? { ...init, signal } : init,
        );
        route.answered?.(response.status);
        return route.heard ? listenedTo(response, route.heard) : response;
      }),
    });
  /** fal's URL for a request when it has one fit to use; else the client builds it (older journals). */
  const urlOf = (request: FalRequestRef, pick: (urls: QueueUrls) => string) =>
    request.urls === undefined ? undefined : usableUrl(pick(request.urls), request.id, baseUrl);
  const at = (to: string | undefined) => (to === undefined ? fal : clientFor({ to }));
  return {
    async upload(file) {
      const blob = new File([file.bytes], file.fileName, { type: file.contentType });
      return fal.storage.upload(blob);
    },
    async submit(endpointId, input, o = {}) {
      let accepted = false;
      const client = clientFor({
        ...(o.onSend ? { onSend: o.onSend } : {}),
        answered: (status) => {
          accepted = status >= 200 && status < 300;
        },
      });
      let reply: Awaited<ReturnType<typeof client.queue.submit>>;
      let requestId: string;
      try {
        reply = await client.queue.submit(endpointId, {
          input,
          ...(o.startTimeoutS === undefined ? {} : { startTimeout: o.startTimeoutS }),
          ...(o.mediaLifetimeS === undefined ? {} : { storageSettings: { expiresIn: o.mediaLifetimeS } }),
          ...(o.storeIo === false ? { headers: { "X-Fal-Store-IO": "0" } } : {}),
          abortSignal: oneSend(),
        });
        requestId = checkRequestId(reply.request_id, "the request id of fal's submit answer");
      } catch (error) {
        // fal said yes (and will bill it), but its answer was cut off or unreadable: sent again it
        // would be paid twice, so it is looked for in fal's history instead. (An answer broke a
        // rule of ours, `FalAnswerRefusedError`: a hostile fal: the job fails, not sent again.)
        if (accepted && !(error instanceof SubmitInDoubtError) && !(error instanceof FalAnswerRefusedError))
          throw new SubmitInDoubtError(
            `fal accepted it, but its answer could not be read (${error instanceof Error ? error.message : String(error)})`,
          );
        throw error;
      }
      const urls = replyUrls(reply, requestId, baseUrl);
      return "urls" in urls
        ? { requestId, urls: urls.urls }
        : { requestId, urls: undefined, refusedUrls: urls.refused };
    },
    async status(endpointId, request, signal) {
      checkRequestId(request.id);
      const raw = await at(urlOf(request, (u) => u.status)).queue.status(endpointId, {
        requestId: request.id,
        logs: false,
        abortSignal: oneSend(signal),
      });
      return toFalStatus(raw);
    },
    async follow(endpointId, request, onUpdate, signal) {
      checkRequestId(request.id);
      // The client's own abort does nothing once its stream failed (garbage, a cut), and leaves
      // the connection open: this one closes it whatever ended the follow.
      const connection = new AbortController();
      try {
        return await followStatusStream({
          clock,
          silenceMs,
          onUpdate,
          ...(signal ? { signal } : {}),
          open: (heard) =>
            clientFor({
              to: urlOf(request, streamUrlOf),
              heard,
              signal: connection.signal,
            }).queue.streamStatus(endpointId, { requestId: request.id, logs: false }),
        });
      } finally {
        connection.abort();
      }
    },
    async result(endpointId, request) {
      checkRequestId(request.id);
      const r = await at(urlOf(request, (u) => u.response)).queue.result(endpointId, {
        requestId: request.id,
        abortSignal: oneSend(),
      });
      return { data: r.data, requestId: isFalRequestId(r.requestId) ? r.requestId : request.id };
    },
    async cancel(endpointId, request) {
      checkRequestId(request.id);
      await at(urlOf(request, (u) => u.cancel)).queue.cancel(endpointId, {
        requestId: request.id,
        abortSignal: oneSend(),
      });
    },
  };
}

function detailMessage(detail: unknown): string | undefined {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail))
    return detail
      .map((d: { loc?: unknown[]; msg?: unknown }) => {
        const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== "body").join(".") : "";
        return loc ? `${loc}: ${String(d.msg)}` : String(d.msg);
      })
      .join("; ");
  return undefined;
}

/** Turns anything a fal call threw into a FalFailure. */
export function describeFalError(error: unknown): FalFailure {
  if (error instanceof FalAnswerRefusedError) return { kind: "refused", message: error.message };
  if (error instanceof ApiError) {
    const body = error.body as { detail?: unknown; error_type?: unknown } | undefined;
    const message = detailMessage(body?.detail) ?? error.message;
    const kind =
      error instanceof ValidationError
        ? "validation"
        : error.status === 401 || error.status === 403
          ? "auth"
          : "http";
    return {
      kind,
      status: error.status,
      message,
      ...(error.requestId ? { requestId: error.requestId } : {}),
      ...(body?.detail !== undefined ? { detail: body.detail } : {}),
      ...(typeof body?.error_type === "string" ? { errorType: body.error_type } : {}),
    };
  }
  if (error instanceof Error && error.name === "SubmitInDoubtError")
    return { kind: "in-doubt", message: error.message };
  const message =
    error instanceof Error
      ? error.cause instanceof Error
        ? `${error.message}: ${error.cause.message}`
        : error.message
      : String(error);
  return { kind: "network", message };
}
