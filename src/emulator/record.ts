/** Which part of fal's protocol a request spoke to. */
export type Operation =
  | "submit"
  | "status"
  | "status-stream"
  | "result"
  | "cancel"
  | "upload-initiate"
  | "upload-put"
  | "file"
  | "history"
  | "pricing"
  | "models"
  | "control"
  | "unknown";

/** One HTTP request the emulator served, as tests assert on it. The key is never kept. */
export interface RecordedRequest {
  readonly seq: number;
  /** Milliseconds since the emulator started. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly op: Operation;
  /** The fal endpoint id of a submit. */
  readonly endpoint?: string;
  /** The fal request id a status, result or cancel named, or a submit created. */
  requestId?: string;
  /** The HTTP status the emulator answered. */
  status: number;
  /** Request headers, lower-cased, without `authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether an `Authorization` header was sent (its value is not kept). */
  readonly hadAuthorization: boolean;
}

/** Copies headers, dropping the credential so no test output or record holds it. */
export function safeHeaders(raw: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.toLowerCase() === "authorization" || v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}
