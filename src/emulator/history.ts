import type { FalRequest } from "./request-store.js";

/** One item of fal's request history (`GET /v1/models/requests/by-endpoint`). */
export interface HistoryItem {
  readonly request_id: string;
  readonly endpoint_id: string;
  readonly sent_at: string;
  readonly started_at: string | null;
  readonly ended_at: string;
  readonly status_code: number;
  /** Seconds from start to end (0 for a request that never started). */
  readonly duration: number;
  readonly json_input?: unknown;
  readonly json_output?: unknown;
}

/** A page of the history, as fal answers it. */
export interface HistoryPage {
  readonly items: readonly HistoryItem[];
  readonly next_cursor: string | null;
  readonly has_more: boolean;
}

/** A query the emulator refused, with the parameter at fault. */
export interface HistoryQueryError {
  readonly param: string;
  readonly message: string;
}

const DAY_MS = 24 * 3600 * 1000;
const STATUS_FILTERS = ["success", "error", "user_error"] as const;

interface HistoryQuery {
  readonly endpointId: string;
  readonly start: number;
  readonly end: number;
  readonly status: (typeof STATUS_FILTERS)[number] | undefined;
  readonly requestId: string | undefined;
  readonly payloads: boolean;
  readonly sortBy: "ended_at" | "duration";
  readonly limit: number;
  readonly offset: number;
}

function time(params: URLSearchParams, name: string, fallback: number): number | HistoryQueryError {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? { param: name, message: `not an ISO 8601 time: ${JSON.stringify(raw)}` } : t;
}

/** Reads the query string as fal documents it; an error names the parameter at fault. */
export function parseHistoryQuery(params: URLSearchParams, now: number): HistoryQuery | HistoryQueryError {
  const endpointId = params.get("endpoint_id");
  if (!endpointId) return { param: "endpoint_id", message: "field required" };
  // fal: 24 hours ago by default, widened to 90 days when a request id is named.
  const start = time(params, "start", now - (params.get("request_id") ? 90 : 1) * DAY_MS);
  if (typeof start !== "number") return start;
  const end = time(params, "end", now);
  if (typeof end !== "number") return end;
  const status = params.get("status") ?? undefined;
  if (status !== undefined && !(STATUS_FILTERS as readonly string[]).includes(status))
    return {
      param: "status",
      message: `expected success, error or user_error, got ${JSON.stringify(status)}`,
    };
  const sortBy = params.get("sort_by") ?? "ended_at";
  if (sortBy !== "ended_at" && sortBy !== "duration")
    return { param: "sort_by", message: `expected ended_at or duration, got ${JSON.stringify(sortBy)}` };
  const limit = Number(params.get("limit") ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return { param: "limit", message: `expected a whole number from 1 to 100, got ${params.get("limit")}` };
  const cursor = params.get("cursor");
  const offset = cursor ? Number(Buffer.from(cursor, "base64").toString("utf8")) : 0;
  if (!Number.isInteger(offset) || offset < 0)
    return { param: "cursor", message: "not a cursor this listing gave" };
  const expand = (params.get("expand") ?? "").split(",");
  return {
    endpointId,
    start,
    end,
    status: status as HistoryQuery["status"],
    requestId: params.get("request_id") ?? undefined,
    payloads: expand.includes("payloads"),
    sortBy,
    limit,
    offset,
  };
}

function statusClass(code: number): (typeof STATUS_FILTERS)[number] {
  if (code < 400) return "success";
  return code < 500 ? "user_error" : "error";
}

/** The fields a Seedream edit takes when left out, as the model runs them (fal's schema defaults). */
const INPUT_DEFAULTS: Readonly<Record<string, unknown>> = {
  num_images: 1,
  sync_mode: false,
  enable_safety_checker: true,
};

function inputOf(input: unknown, as: HistoryInput): unknown {
  if (as === "as-sent" || input === null || typeof input !== "object") return input;
  return { ...INPUT_DEFAULTS, ...(input as Record<string, unknown>) };
}

/** What the history gives as `json_input` (see `EmulatorOptions.historyInput`). */
export type HistoryInput = "as-sent" | "with-defaults";

/** How the listing departs from the plain one (faults): a delay before an ended request is listed, bad items. */
export interface HistoryFaults {
  /** Now (epoch ms), against which `delayMs` is counted. */
  readonly now: number;
  /** An ended request is listed only this long after it ended. */
  readonly delayMs?: number;
  /** Items without `sent_at` added to each page. */
  readonly badItems?: number;
  /** What `json_input` is (see `EmulatorOptions.historyInput`). @default "as-sent" */
  readonly input?: HistoryInput;
}

function itemOf(r: FalRequest, payloads: boolean, as: HistoryInput): HistoryItem | undefined {
  const p = r.phase;
  if (p.kind !== "completed") return undefined;
  const iso = (t: number) => new Date(t).toISOString();
  return {
    request_id: r.id,
    endpoint_id: r.endpoint.id,
    sent_at: iso(r.submittedAt),
    started_at: p.startedAt === undefined ? null : iso(p.startedAt),
    ended_at: iso(p.completedAt),
    status_code: p.outcome.httpStatus,
    duration: p.startedAt === undefined ? 0 : (p.completedAt - p.startedAt) / 1000,
    // `X-Fal-Store-IO: 0`: fal keeps no payloads of the request (whether it leaves the fields out
    // or sends them null is not documented; left out here).
    ...(payloads && r.storeIo !== false
      ? { json_input: inputOf(r.input, as), json_output: p.outcome.body }
      : {}),
  };
}

/**
 * One page of an endpoint's request history. Only requests that have ended are listed: fal
 * orders its history by `ended_at` and does not document listing queued or running ones, so
 * the emulator takes the stricter reading and a client must treat "not listed" as "unknown".
 * The window applies to `ended_at`; newest first; the cursor is the next item's offset.
 */
export function historyPage(
  requests: Iterable<FalRequest>,
  q: HistoryQuery,
  faults: HistoryFaults = { now: Number.POSITIVE_INFINITY },
): HistoryPage {
  const items: HistoryItem[] = [];
  for (const r of requests) {
    const named = r.endpoint.id === q.endpointId || r.endpoint.aliases.includes(q.endpointId);
    if (!named || (q.requestId !== undefined && r.id !== q.requestId)) continue;
    const item = itemOf(r, q.payloads, faults.input ?? "as-sent");
    if (!item) continue;
    const ended = Date.parse(item.ended_at);
    if (faults.delayMs !== undefined && ended + faults.delayMs > faults.now) continue;
    if (ended < q.start || ended > q.end) continue;
    if (q.status !== undefined && statusClass(item.status_code) !== q.status) continue;
    items.push(item);
  }
  const key = (i: HistoryItem) => (q.sortBy === "duration" ? i.duration : Date.parse(i.ended_at));
  items.sort((a, b) => key(b) - key(a) || a.request_id.localeCompare(b.request_id));
  const page = items.slice(q.offset, q.offset + q.limit);
  const next = q.offset + page.length;
  const hasMore = next < items.length;
  const bad = Array.from({ length: faults.badItems ?? 0 }, (_, i) => ({
    request_id: `bad-item-${q.offset + i}`,
    endpoint_id: q.endpointId,
    status_code: 200,
  }));
  return {
    items: [...bad, ...page] as HistoryItem[],
    next_cursor: hasMore ? Buffer.from(String(next)).toString("base64") : null,
    has_more: hasMore,
  };
}
