import { ApiError, createFalClient, type QueueStatus, ValidationError } from "@fal-ai/client";
import type { Clock } from "../clock.js";
import type { FalFailure } from "../model/failure.js";
import { redirectingFetch } from "./redirect-fetch.js";
import { observingFetch, type Traffic } from "./traffic.js";

/** Where fal traffic goes: fal itself, or another base URL (emulator, proxy, recorder). */
export type FalTarget = { readonly kind: "fal" } | { readonly kind: "base-url"; readonly baseUrl: string };

/** A file to upload to fal storage. */
export interface UploadFile {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly fileName: string;
}

/** One status of a queued request. */
export type FalStatus =
  | { readonly status: "IN_QUEUE"; readonly queuePosition: number }
  | { readonly status: "IN_PROGRESS" }
  | {
      readonly status: "COMPLETED";
      readonly inferenceTimeS?: number;
      /** Set when the request failed: fal's `error_type` and `error`. */
      readonly errorType?: string;
      readonly error?: string;
    };

export interface SubmitOptions {
  /** fal's bound on time queued before processing starts, in seconds (`x-fal-request-timeout`). */
  readonly startTimeoutS?: number;
  /**
   * Called each time the submit is about to leave (after any gate held it, on every retry the
   * client makes): the moment from which fal may have it, for a journal to record before it goes.
   */
  readonly onSend?: () => void;
}

/** The narrow part of fal this project uses; the only door to `@fal-ai/client`. */
export interface EditClient {
  upload(file: UploadFile): Promise<string>;
  submit(endpointId: string, input: Record<string, unknown>, options?: SubmitOptions): Promise<string>;
  status(endpointId: string, requestId: string): Promise<FalStatus>;
  /**
   * Follows the status stream (one call for the whole wait) until COMPLETED; `onUpdate` sees
   * every status on the way. Rejects when the stream fails or `signal` aborts.
   */
  follow(
    endpointId: string,
    requestId: string,
    onUpdate: (status: FalStatus) => void,
    signal?: AbortSignal,
  ): Promise<FalStatus>;
  result(endpointId: string, requestId: string): Promise<{ data: unknown; requestId: string }>;
  cancel(endpointId: string, requestId: string): Promise<void>;
}

export interface EditClientOptions {
  readonly target: FalTarget;
  /** `Key` credentials; undefined sends none (for a proxy that adds its own). */
  readonly credentials: string | undefined;
  /** The fetch under everything (tests and the benchmark may observe it). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The account-wide gate and observer every call passes through. */
  readonly traffic?: Traffic;
}

export function toFalStatus(raw: QueueStatus): FalStatus {
  switch (raw.status) {
    case "IN_QUEUE":
      return { status: "IN_QUEUE", queuePosition: raw.queue_position };
    case "IN_PROGRESS":
      return { status: "IN_PROGRESS" };
    case "COMPLETED": {
      const r = raw as { metrics?: { inference_time?: unknown }; error_type?: unknown; error?: unknown };
      const t = r.metrics?.inference_time;
      return {
        status: "COMPLETED",
        ...(typeof t === "number" ? { inferenceTimeS: t } : {}),
        ...(typeof r.error_type === "string" ? { errorType: r.error_type } : {}),
        ...(typeof r.error === "string" ? { error: r.error } : {}),
      };
    }
  }
}

/** Creates the EditClient over the real `@fal-ai/client`, redirected and observed in one place. */
export function createEditClient(options: EditClientOptions): EditClient {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const redirected =
    options.target.kind === "base-url" ? redirectingFetch(options.target.baseUrl, baseFetch) : baseFetch;
  const observed = (inner: typeof fetch) =>
    options.traffic ? observingFetch(options.traffic, inner) : inner;
  // An explicit resolver keeps the client from reading FAL_KEY from the environment itself.
  const credentials = options.credentials;
  const fal = createFalClient({ credentials: () => credentials, fetch: observed(redirected) });
  /** A client whose every send (past the gate) is told first: for one submit. */
  const telling = (onSend: () => void) =>
    createFalClient({
      credentials: () => credentials,
      fetch: observed((input, init) => {
        onSend();
        return redirected(input, init);
      }),
    });
  return {
    async upload(file) {
      const blob = new File([file.bytes], file.fileName, { type: file.contentType });
      return fal.storage.upload(blob);
    },
    async submit(endpointId, input, submitOptions = {}) {
      const client = submitOptions.onSend ? telling(submitOptions.onSend) : fal;
      const { request_id } = await client.queue.submit(endpointId, {
        input,
        ...(submitOptions.startTimeoutS === undefined ? {} : { startTimeout: submitOptions.startTimeoutS }),
      });
      return request_id;
    },
    async status(endpointId, requestId) {
      return toFalStatus(await fal.queue.status(endpointId, { requestId, logs: false }));
    },
    async follow(endpointId, requestId, onUpdate, signal) {
      const stream = await fal.queue.streamStatus(endpointId, { requestId, logs: false });
      const abort = () => stream.abort();
      signal?.addEventListener("abort", abort, { once: true });
      let last: FalStatus | undefined;
      // COMPLETED is known the moment its event arrives: no need to wait for the stream to close.
      const completed = new Promise<void>((resolve) => {
        stream.on("data", (data: QueueStatus) => {
          last = toFalStatus(data);
          onUpdate(last);
          if (last.status === "COMPLETED") resolve();
        });
      });
      try {
        await Promise.race([completed, stream.done()]);
      } finally {
        signal?.removeEventListener("abort", abort);
        if (last?.status === "COMPLETED") stream.abort();
      }
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      if (last?.status === "COMPLETED") return last;
      // The stream ended without a final status (a proxy cut it): that is a failed status call.
      throw new Error("the status stream ended before the request completed");
    },
    async result(endpointId, requestId) {
      const r = await fal.queue.result(endpointId, { requestId });
      return { data: r.data, requestId: r.requestId || requestId };
    },
    async cancel(endpointId, requestId) {
      await fal.queue.cancel(endpointId, { requestId });
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
