import { ApiError, createFalClient, type QueueStatus, ValidationError } from "@fal-ai/client";
import { redirectingFetch } from "./redirect-fetch.js";

/** Where fal traffic goes: fal itself, or another base URL (emulator, proxy, recorder). */
export type FalTarget = { readonly kind: "fal" } | { readonly kind: "base-url"; readonly baseUrl: string };

/** A file to upload to fal storage. */
export interface UploadFile {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly fileName: string;
}

/** One status update of a queued request. */
export type FalStatus =
  | { readonly status: "IN_QUEUE"; readonly queuePosition: number }
  | { readonly status: "IN_PROGRESS" }
  | { readonly status: "COMPLETED"; readonly inferenceTimeS?: number };

/** The narrow part of fal this project uses; the only door to `@fal-ai/client`. */
export interface EditClient {
  upload(file: UploadFile): Promise<string>;
  submit(endpointId: string, input: Record<string, unknown>): Promise<string>;
  status(endpointId: string, requestId: string): Promise<FalStatus>;
  /** Follows the status stream until COMPLETED; `onUpdate` sees every status on the way. */
  waitForCompletion(
    endpointId: string,
    requestId: string,
    onUpdate?: (status: FalStatus) => void,
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
}

function toFalStatus(raw: QueueStatus): FalStatus {
  switch (raw.status) {
    case "IN_QUEUE":
      return { status: "IN_QUEUE", queuePosition: raw.queue_position };
    case "IN_PROGRESS":
      return { status: "IN_PROGRESS" };
    case "COMPLETED": {
      const t = (raw as { metrics?: { inference_time?: unknown } }).metrics?.inference_time;
      return typeof t === "number" ? { status: "COMPLETED", inferenceTimeS: t } : { status: "COMPLETED" };
    }
  }
}

/** Creates the EditClient over the real `@fal-ai/client`, redirected in one place. */
export function createEditClient(options: EditClientOptions): EditClient {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const fetchImpl =
    options.target.kind === "base-url" ? redirectingFetch(options.target.baseUrl, baseFetch) : baseFetch;
  // An explicit resolver keeps the client from reading FAL_KEY from the environment itself.
  const credentials = options.credentials;
  const fal = createFalClient({ credentials: () => credentials, fetch: fetchImpl });
  return {
    async upload(file) {
      const blob = new File([file.bytes], file.fileName, { type: file.contentType });
      return fal.storage.upload(blob);
    },
    async submit(endpointId, input) {
      const { request_id } = await fal.queue.submit(endpointId, { input });
      return request_id;
    },
    async status(endpointId, requestId) {
      return toFalStatus(await fal.queue.status(endpointId, { requestId, logs: false }));
    },
    async waitForCompletion(endpointId, requestId, onUpdate) {
      const stream = await fal.queue.streamStatus(endpointId, { requestId, logs: false });
      stream.on("data", (data: QueueStatus) => onUpdate?.(toFalStatus(data)));
      const last = (await stream.done()) as QueueStatus | undefined;
      if (last?.status === "COMPLETED") return toFalStatus(last);
      // The stream ended without a final status (a proxy cut it): ask once.
      return toFalStatus(await fal.queue.status(endpointId, { requestId, logs: false }));
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

/** What went wrong in one fal call, as data for the report. */
export interface FalFailure {
  readonly kind: "validation" | "auth" | "http" | "network";
  readonly status?: number;
  readonly message: string;
  readonly requestId?: string;
  /** fal's `detail`, verbatim (422 field errors). */
  readonly detail?: unknown;
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
    const body = error.body as { detail?: unknown } | undefined;
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
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "network", message };
}
