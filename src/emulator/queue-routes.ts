import type { IncomingMessage } from "node:http";
import { findEndpointByPath } from "../endpoints/index.js";
import { requestIdOf } from "./classify.js";
import type { Call } from "./context.js";
import { authorize, INVALID_JSON, json, type Reply, readJsonBody } from "./http.js";
import type { RecordedRequest } from "./record.js";
import type { SubmitExtras } from "./request-store.js";
import { requestUrls, statusBody } from "./status-body.js";

/** Waits out a held submit answer, or until the client hangs up. */
async function holdAnswer(ctx: Call["ctx"], req: IncomingMessage): Promise<void> {
  const gone = new AbortController();
  const hangUp = () => gone.abort();
  if (req.socket.destroyed) gone.abort();
  req.socket.once("close", hangUp);
  try {
    await ctx.answers.hold(gone.signal);
  } finally {
    // A kept-alive connection carries many submits: no listener is left behind.
    req.socket.off("close", hangUp);
  }
}

/** The lifecycle preference's lifetime in ms; undefined when absent or not as fal documents it. */
function mediaLifetimeMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== "string") return undefined;
  try {
    const seconds = (JSON.parse(header) as { expiration_duration_seconds?: unknown })
      .expiration_duration_seconds;
    return typeof seconds === "number" && seconds >= 1 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** What a submit's headers ask: its start timeout, its files' lifetime, whether payloads are kept. */
function submitExtras(req: IncomingMessage): SubmitExtras {
  const timeoutHeader = Number(req.headers["x-fal-request-timeout"]);
  const lifetime = mediaLifetimeMs(req.headers["x-fal-object-lifecycle-preference"]);
  return {
    ...(timeoutHeader > 0 ? { startTimeoutMs: timeoutHeader * 1000 } : {}),
    ...(lifetime === undefined ? {} : { mediaLifetimeMs: lifetime }),
    ...(req.headers["x-fal-store-io"] === "0" ? { storeIo: false } : {}),
  };
}

/** The request id a queue path names, noted in the call's record. */
function namedRequest(ctx: Call["ctx"], entry: RecordedRequest, url: URL): string {
  entry.requestId = requestIdOf(url.pathname, ctx.opts.queuePathPrefix) ?? "";
  return entry.requestId;
}

/**
 * `POST /{endpoint}`: queues a request and answers its id (fal bills it from here on). The
 * answer may be held back by `delaySubmitAnswerMs`; the request is accepted all the same.
 */
export async function submit({ ctx, req, url, method, entry }: Call): Promise<Reply | undefined> {
  const endpoint = findEndpointByPath(
    url.pathname,
    ctx.opts.models.map((m) => m.endpoint),
  );
  if (!endpoint) return json(404, { detail: `No route for ${method} ${url.pathname}` });
  Object.assign(entry, { endpoint: endpoint.id });
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  const { maxQueueLength } = ctx.faults.current;
  if (maxQueueLength !== undefined && ctx.store.queuedCount >= maxQueueLength)
    return json(429, { detail: "Queue is full" });
  const body = await readJsonBody(req, true);
  if (!body) return INVALID_JSON;
  const request = ctx.store.submit(endpoint, body.value, submitExtras(req));
  entry.requestId = request.id;
  ctx.ledger.accept(request);
  ctx.changed();
  await holdAnswer(ctx, req);
  if (ctx.faults.chance(ctx.faults.current.dropSubmitAnswerRate)) req.socket.destroy();
  if (req.socket.destroyed) {
    // Accepted, and billed if it succeeds, but the client never learns its id.
    ctx.ledger.unanswered += 1;
    ctx.changed();
    return undefined;
  }
  return json(200, {
    status: "IN_QUEUE",
    request_id: request.id,
    ...requestUrls(ctx.urls, ctx.opts.queuePathPrefix, request),
    queue_position: ctx.store.queuePosition(request) ?? 0,
  });
}

/** `PUT …/requests/{id}/cancel`. */
export async function cancel({ ctx, req, url, method, entry }: Call): Promise<Reply> {
  const id = namedRequest(ctx, entry, url);
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  if (method !== "PUT") return json(405, { detail: "Method not allowed" });
  const outcome = ctx.store.inQueue(id) ? ctx.store.cancel(id) : "NOT_FOUND";
  const code = outcome === "CANCELLATION_REQUESTED" ? 202 : outcome === "ALREADY_COMPLETED" ? 400 : 404;
  return json(code, { status: outcome });
}

/**
 * `…/requests/{id}/status` and `…/status/stream`: the request's status, polled (202 until
 * COMPLETED, then 200) or streamed as server-sent events.
 */
export async function status(call: Call): Promise<Reply | undefined> {
  const { ctx, req, res, url, entry } = call;
  const id = namedRequest(ctx, entry, url);
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  const request = ctx.store.inQueue(id);
  if (!request) return json(404, { detail: `Request ${id} not found` });
  if (ctx.faults.chance(ctx.faults.current.statusErrorRate))
    return json(503, { detail: "Service temporarily unavailable" });
  const wantLogs = url.searchParams.get("logs") === "1";
  if (entry.op === "status-stream") {
    entry.status = 200;
    ctx.streams.open(res, id, wantLogs);
    return undefined;
  }
  const body = statusBody(
    ctx.urls,
    ctx.opts.queuePathPrefix,
    request,
    ctx.store.queuePosition(request),
    wantLogs,
  );
  return json(request.phase.kind === "completed" ? 200 : 202, body);
}

/** `GET …/requests/{id}`: the result of a finished request, with `x-fal-request-id`. */
export async function result({ ctx, req, url, entry }: Call): Promise<Reply> {
  const id = namedRequest(ctx, entry, url);
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  const request = ctx.store.inQueue(id);
  if (!request) return json(404, { detail: `Request ${id} not found` });
  if (request.phase.kind !== "completed") return json(400, { detail: "Request is still in progress" });
  request.resultFetchedAt ??= Date.now();
  if (ctx.faults.chance(ctx.faults.current.resultErrorRate)) return json(502, { detail: "Bad gateway" });
  const outcome = request.phase.outcome;
  const headers: Record<string, string> = { "x-fal-request-id": request.id };
  if (outcome.errorType && outcome.httpStatus >= 400) headers["x-fal-error-type"] = outcome.errorType;
  if (outcome.errorType === "request_timeout") headers["x-fal-request-timeout-type"] = "user";
  return json(outcome.httpStatus, outcome.body, headers);
}
