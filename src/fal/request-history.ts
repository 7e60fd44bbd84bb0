import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { isFalRequestId } from "./answer-rules.js";
import { type PlatformAccess, PlatformApiError, platformGet } from "./platform-api.js";

/** One request in fal's history (`GET /v1/models/requests/by-endpoint`), times in epoch ms. */
export interface HistoryEntry {
  readonly requestId: string;
  readonly endpointId: string;
  readonly sentAt: number;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  /** The HTTP status the request ended with (200 for images). */
  readonly statusCode: number;
  /** With payloads: the input fal received, and its output. */
  readonly input?: unknown;
  readonly output?: unknown;
}

/** Which requests to list. */
export interface HistoryQuery {
  readonly endpointId: string;
  /**
   * Start of the window (epoch ms). fal applies it to its own ordering time (`ended_at`).
   * Absent, fal's default: 24 hours ago, or 90 days with `requestId`.
   */
  readonly from?: number;
  /** End of the window (epoch ms). @default now, at fal */
  readonly to?: number;
  readonly status?: "success" | "error" | "user_error";
  /** Only this request (`request_id=`). */
  readonly requestId?: string;
  /** Ask for `json_input` / `json_output` (`expand=payloads`). @default false */
  readonly payloads?: boolean;
  readonly signal?: AbortSignal;
}

/** Find the request fal accepted for an input whose submit answer never came back. */
export interface FindByInputQuery {
  readonly endpointId: string;
  /** The exact input sent (the one in the submit body: uploaded image URLs included). */
  readonly input: unknown;
  /** When the intent to submit was recorded (epoch ms): the request was sent after it. */
  readonly sentAfter: number;
  /** Tolerated difference between our clock and fal's, in ms. @default 60000 */
  readonly clockSkewMs?: number;
  readonly signal?: AbortSignal;
}

/** An account's request history at fal, as a runner reconciles with it. */
export interface RequestHistory {
  /**
   * Every request of an endpoint in a window, following the pages to the end. An item without
   * the fields the runner relies on (`request_id`, `sent_at`) is skipped and counted, not fatal.
   */
  list(query: HistoryQuery): Promise<HistoryEntry[]>;
  /**
   * One request by its id (`request_id=`, with payloads), or undefined when fal does not list it:
   * what became of a request whose queue status or result fal no longer serves.
   */
  findById(endpointId: string, requestId: string, signal?: AbortSignal): Promise<HistoryEntry | undefined>;
  /** Items skipped so far for missing or unexpected fields. */
  readonly skipped: number;
  /**
   * The earliest request sent after `sentAfter` whose input equals `input` exactly, or undefined
   * when none is listed. fal lists a request once it has ended (the emulator never lists one
   * still queued or running), so "not found" means "unknown" until the request could no longer
   * be waiting or running; only then is it safe to submit again.
   */
  findRequestByInput(query: FindByInputQuery): Promise<HistoryEntry | undefined>;
}

/** JSON with every object's keys sorted: one text for one value, whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    keys.sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * A digest of a request's input (sha256 of its JSON with sorted keys, `undefined` fields
 * dropped as JSON drops them): journaled with a submit's intent, it finds the request in fal's
 * history later without keeping the input itself.
 */
export function inputDigest(input: unknown): string {
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}

/** Options of the history client. */
export interface RequestHistoryOptions extends PlatformAccess {
  /** Items per page (1–100). @default 100 */
  readonly pageSize?: number;
  /** Most pages read for one listing, so a misbehaving server cannot loop it. @default 1000 */
  readonly maxPages?: number;
}

interface RawItem {
  request_id?: unknown;
  endpoint_id?: unknown;
  sent_at?: unknown;
  started_at?: unknown;
  ended_at?: unknown;
  status_code?: unknown;
  json_input?: unknown;
  json_output?: unknown;
}

function time(v: unknown): number | undefined {
  const t = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** The entry an item says, or undefined when it lacks what the runner relies on (or is not an object). */
function entryOf(raw: RawItem, payloads: boolean): HistoryEntry | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const sentAt = time(raw.sent_at);
  // An id not of fal's form would be put in status and result URLs: such an item is no request.
  if (typeof raw.request_id !== "string" || !isFalRequestId(raw.request_id) || sentAt === undefined)
    return undefined;
  return {
    requestId: raw.request_id,
    endpointId: typeof raw.endpoint_id === "string" ? raw.endpoint_id : "",
    sentAt,
    startedAt: time(raw.started_at),
    endedAt: time(raw.ended_at),
    statusCode: typeof raw.status_code === "number" ? raw.status_code : 0,
    ...(payloads ? { input: raw.json_input, output: raw.json_output } : {}),
  };
}

/** Creates the history client over fal's Platform API (or the base URL the target names). */
export function createRequestHistory(options: RequestHistoryOptions): RequestHistory {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 1000;
  let skipped = 0;

  async function list(q: HistoryQuery): Promise<HistoryEntry[]> {
    const byId = new Map<string, HistoryEntry>();
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const body = (await platformGet(
        options,
        "/models/requests/by-endpoint",
        {
          endpoint_id: q.endpointId,
          start: q.from === undefined ? undefined : new Date(q.from).toISOString(),
          end: q.to === undefined ? undefined : new Date(q.to).toISOString(),
          status: q.status,
          request_id: q.requestId,
          expand: q.payloads ? "payloads" : undefined,
          limit: String(pageSize),
          cursor,
        },
        q.signal,
      )) as { items?: unknown; next_cursor?: unknown; has_more?: unknown };
      if (!Array.isArray(body.items))
        throw new PlatformApiError("request history: no items in the answer", 200);
      // Pages may overlap when requests end while they are read: an id is kept once.
      for (const raw of body.items as RawItem[]) {
        const entry = entryOf(raw, q.payloads === true);
        if (entry) byId.set(entry.requestId, entry);
        else skipped += 1;
      }
      if (body.has_more !== true) return [...byId.values()];
      // More, but no way to reach it: a partial listing must not pass for the whole.
      if (typeof body.next_cursor !== "string" || seenCursors.has(body.next_cursor))
        throw new PlatformApiError("request history: has_more without a new cursor", 200);
      seenCursors.add(body.next_cursor);
      cursor = body.next_cursor;
    }
    throw new PlatformApiError(`request history: more than ${maxPages} pages`, 200);
  }

  return {
    list,
    get skipped() {
      return skipped;
    },
    async findById(endpointId, requestId, signal) {
      const entries = await list({ endpointId, requestId, payloads: true, ...(signal ? { signal } : {}) });
      return entries.find((e) => e.requestId === requestId);
    },
    async findRequestByInput(q) {
      const skew = q.clockSkewMs ?? 60_000;
      const entries = await list({
        endpointId: q.endpointId,
        from: q.sentAfter - skew,
        payloads: true,
        ...(q.signal ? { signal: q.signal } : {}),
      });
      // What fal received is JSON: compare with the input as JSON carries it (undefined dropped).
      const wanted: unknown = JSON.parse(JSON.stringify(q.input ?? null));
      return entries
        .filter((e) => e.sentAt >= q.sentAfter - skew && isDeepStrictEqual(e.input, wanted))
        .sort((a, b) => a.sentAt - b.sentAt)[0];
    },
  };
}
