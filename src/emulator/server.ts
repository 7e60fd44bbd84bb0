import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { findEndpointByPath } from "../endpoints/index.js";
import { retryAfterHeader, TokenBucket } from "./faults.js";
import { FileStore } from "./files.js";
import { generate } from "./generate.js";
import { type EmulatorStats, timelineOf } from "./metrics.js";
import { createRandom, drawInferenceMs, type EmulatorOptions, resolveEmulatorOptions } from "./options.js";
import { type Operation, type RecordedRequest, safeHeaders } from "./record.js";
import { type FalRequest, type Outcome, RequestStore } from "./request-store.js";
import { requestUrls, statusBody } from "./status-body.js";

/** A running fal-protocol emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:8787`; all fal traffic may be sent here. */
  readonly url: string;
  /** Every HTTP request served so far, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Account concurrency C now. */
  readonly concurrency: number;
  /** Changes C while running (e.g. 10 → 25 → 6). */
  setConcurrency(c: number): void;
  /** With `inferenceMs: "hold"`: finishes one running request (the oldest, or the one named). */
  release(requestId?: string): boolean;
  /** Forgets a completed request, as fal does when its result has expired. */
  forget(requestId: string): boolean;
  /** Requests running and waiting now. */
  load(): { running: number; queued: number };
  /** What the emulator measured so far. */
  stats(): EmulatorStats;
  close(): Promise<void>;
}

const REQUEST_PATH = /^\/([^/]+)\/([^/]+)\/requests\/([^/]+?)(\/status\/stream|\/status|\/cancel)?\/?$/;
/** Requests that arrive this soon after a 429 were already on their way: not counted as early. */
const IN_FLIGHT_GRACE_MS = 25;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function classify(method: string, path: string): Operation {
  if (path.startsWith("/_emulator/")) return "control";
  if (path.startsWith("/files/")) return "file";
  if (path.startsWith("/storage/upload/blob/")) return "upload-put";
  if (path === "/storage/upload/initiate") return "upload-initiate";
  const m = REQUEST_PATH.exec(path);
  if (m)
    return m[4] === "/status"
      ? "status"
      : m[4] === "/status/stream"
        ? "status-stream"
        : m[4] === "/cancel"
          ? "cancel"
          : "result";
  if (method === "POST" && findEndpointByPath(path)) return "submit";
  return "unknown";
}

/**
 * Starts the emulator: a loopback HTTP server speaking fal's queue and storage protocol
 * (shared/reference/fal-protocol.md) that the unmodified `@fal-ai/client` talks to.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const opts = resolveEmulatorOptions(options);
  const faults = opts.faults;
  const random = createRandom(opts.randomSeed);
  const faultRandom = createRandom(opts.randomSeed + 7919);
  const chance = (p: number | undefined) => p !== undefined && p > 0 && faultRandom() < p;
  const started = Date.now();
  const files = new FileStore();
  const record: RecordedRequest[] = [];
  const streams = new Map<string, Set<{ res: ServerResponse; logs: boolean; last: string }>>();
  const held: Array<{ id: string; release: () => void }> = [];
  const timers: NodeJS.Timeout[] = [];
  const capacity = [{ at: 0, concurrency: opts.concurrency }];
  const bucket = faults.rateLimit
    ? new TokenBucket(
        faults.rateLimit.perSecond,
        faults.rateLimit.burst ?? faults.rateLimit.perSecond,
        started,
      )
    : undefined;
  let maxQueued = 0;
  let rateLimited = 0;
  let earlySends = 0;
  let waitUntil = 0;
  let lastLimitAt = Number.NEGATIVE_INFINITY;
  let baseUrl = "";

  const store = new RequestStore(opts.concurrency, {
    now: () => Date.now(),
    changed: (request) => {
      maxQueued = Math.max(maxQueued, store.queuedCount);
      pushStreamUpdate(request);
    },
    run: (request) => runRequest(request),
  });

  function setConcurrency(c: number): void {
    store.setConcurrency(c);
    capacity.push({ at: Date.now() - started, concurrency: c });
  }
  for (const step of opts.capacitySchedule)
    timers.push(setTimeout(() => setConcurrency(step.concurrency), step.atMs));

  function inferenceDelay(request: FalRequest): Promise<void> {
    const ms = drawInferenceMs(opts.inferenceMs, random);
    if (ms === undefined)
      return new Promise((resolve) => {
        held.push({ id: request.id, release: resolve });
      });
    return new Promise((resolve) => setTimeout(resolve, ms * opts.timeScale));
  }

  async function runRequest(request: FalRequest): Promise<Outcome> {
    store.addLog(request, `Running ${request.endpoint.model}`);
    const ctx = {
      files,
      baseUrl,
      random,
      multiImage: opts.multiImage,
      blockedWords: opts.blockedWords,
      render: opts.render,
    };
    const fails = chance(faults.failRequests);
    const [outcome] = await Promise.all([
      generate(ctx, request.endpoint, request.id, request.input),
      inferenceDelay(request),
    ]);
    if (fails && outcome.httpStatus === 200)
      return {
        httpStatus: 500,
        body: {
          detail: "Runner error: the worker running this request was lost",
          error_type: "runner_error",
        },
        errorType: "runner_error",
      };
    if (outcome.httpStatus === 200) {
      const n = (outcome.body as { images: unknown[] }).images.length;
      store.addLog(request, `Generated ${n} image${n === 1 ? "" : "s"}`);
    }
    return outcome;
  }

  function pushStreamUpdate(request: FalRequest): void {
    const subscribers = streams.get(request.id);
    if (!subscribers) return;
    for (const sub of subscribers) {
      if (sub.res.writableEnded) {
        subscribers.delete(sub);
        continue;
      }
      const body = JSON.stringify(statusBody(baseUrl, request, store.queuePosition(request), sub.logs));
      // Only changes are events: a log line the subscriber did not ask for is not one.
      if (body !== sub.last) sub.res.write(`data: ${body}\n\n`);
      sub.last = body;
      if (request.phase.kind === "completed") sub.res.end();
    }
    if (request.phase.kind === "completed") streams.delete(request.id);
  }

  function authorized(req: IncomingMessage): Reply | undefined {
    const header = req.headers.authorization;
    const match = header ? /^Key\s+(.+)$/.exec(header) : null;
    if (!match?.[1])
      return json(401, { detail: "Missing or malformed Authorization header: expected 'Key <key>'" });
    if (opts.apiKeys && !opts.apiKeys.includes(match[1])) return json(401, { detail: "Invalid API key" });
    return undefined;
  }

  /** The gateway: counts early sends and rate-limits calls that carry a key. */
  function gateway(op: Operation, now: number): Reply | undefined {
    if (op === "file" || op === "upload-put" || op === "control" || op === "unknown") return undefined;
    if (now < waitUntil && now > lastLimitAt + IN_FLIGHT_GRACE_MS) earlySends += 1;
    if (!bucket) return undefined;
    const waitMs = bucket.take(now);
    if (waitMs === 0) return undefined;
    rateLimited += 1;
    lastLimitAt = now;
    const header = retryAfterHeader(faults.rateLimit?.retryAfter ?? "seconds", waitMs, now);
    if (header !== undefined) {
      const until = /^\d+$/.test(header) ? now + Number(header) * 1000 : Date.parse(header);
      waitUntil = Math.max(waitUntil, until);
    }
    return json(
      429,
      { detail: "Rate limit exceeded" },
      header === undefined ? {} : { "retry-after": header },
    );
  }

  async function serveFile(
    res: ServerResponse,
    path: string,
    entry: RecordedRequest,
    head = false,
  ): Promise<Reply | undefined> {
    const file = files.get(path);
    if (!file) return json(404, { detail: "File not found" });
    if (head) {
      entry.status = 200;
      res
        .writeHead(200, { "content-type": file.contentType, "content-length": String(file.bytes.length) })
        .end();
      return undefined;
    }
    if (faults.slowDownloadsMs) await new Promise((r) => setTimeout(r, faults.slowDownloadsMs));
    entry.status = 200;
    res.writeHead(200, { "content-type": file.contentType, "content-length": String(file.bytes.length) });
    if (path.startsWith("/files/results/") && chance(faults.truncateDownloads)) {
      // Half the body, then the connection drops: the client sees fewer bytes than promised.
      res.write(file.bytes.subarray(0, Math.floor(file.bytes.length / 2)));
      setTimeout(() => res.destroy(), 5);
      return undefined;
    }
    res.end(file.bytes);
    return undefined;
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RecordedRequest,
  ): Promise<Reply | undefined> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    const op = entry.op;

    if (path === "/_emulator/requests" && method === "GET") return json(200, record);
    if (path === "/_emulator/stats" && method === "GET") return json(200, stats());
    if (op === "file" && (method === "GET" || method === "HEAD"))
      return serveFile(res, path, entry, method === "HEAD");
    const limited = gateway(op, Date.now());
    if (limited) return limited;
    const isQueueOp = op === "status" || op === "status-stream" || op === "result" || op === "cancel";
    if ((isQueueOp && chance(faults.resetRate)) || (op === "submit" && chance(faults.resetSubmitRate))) {
      req.socket.destroy();
      return undefined;
    }

    const putMatch = /^\/storage\/upload\/blob\/([^/]+)$/.exec(path);
    if (putMatch?.[1] && method === "PUT") {
      const bytes = await readBody(req);
      return files.complete(putMatch[1], bytes, req.headers["content-type"])
        ? json(200, {})
        : json(404, { detail: "Unknown or used upload URL" });
    }
    if (op === "upload-initiate" && method === "POST") {
      const denied = authorized(req);
      if (denied) return denied;
      let meta: { content_type?: unknown; file_name?: unknown };
      try {
        meta = JSON.parse((await readBody(req)).toString("utf8"));
      } catch {
        return json(422, {
          detail: [{ loc: ["body"], msg: "Invalid JSON", type: "value_error.jsondecode" }],
        });
      }
      const contentType =
        typeof meta.content_type === "string" ? meta.content_type : "application/octet-stream";
      const fileName = typeof meta.file_name === "string" ? meta.file_name : "upload.bin";
      const { token, path: filePath } = files.initiate(fileName, contentType);
      return json(200, {
        upload_url: `${baseUrl}/storage/upload/blob/${token}`,
        file_url: `${baseUrl}${filePath}`,
      });
    }

    const requestMatch = REQUEST_PATH.exec(path);
    if (requestMatch) {
      const id = requestMatch[3] ?? "";
      entry.requestId = id;
      const denied = authorized(req);
      if (denied) return denied;
      const wantLogs = url.searchParams.get("logs") === "1";
      if (op === "cancel") {
        if (method !== "PUT") return json(405, { detail: "Method not allowed" });
        const outcome = store.cancel(id);
        const code = outcome === "CANCELLATION_REQUESTED" ? 202 : outcome === "ALREADY_COMPLETED" ? 400 : 404;
        return json(code, { status: outcome });
      }
      const request = store.get(id);
      if (!request) return json(404, { detail: `Request ${id} not found` });
      if ((op === "status" || op === "status-stream") && chance(faults.statusErrorRate))
        return json(503, { detail: "Service temporarily unavailable" });
      if (op === "status") {
        const body = statusBody(baseUrl, request, store.queuePosition(request), wantLogs);
        return json(request.phase.kind === "completed" ? 200 : 202, body);
      }
      if (op === "status-stream") {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
        });
        entry.status = 200;
        const body = JSON.stringify(statusBody(baseUrl, request, store.queuePosition(request), wantLogs));
        res.write(`data: ${body}\n\n`);
        if (request.phase.kind === "completed") {
          res.end();
          return undefined;
        }
        const subs = streams.get(id) ?? new Set();
        const sub = { res, logs: wantLogs, last: body };
        subs.add(sub);
        streams.set(id, subs);
        res.on("close", () => subs.delete(sub));
        return undefined;
      }
      if (request.phase.kind !== "completed") return json(400, { detail: "Request is still in progress" });
      request.resultFetchedAt ??= Date.now();
      if (chance(faults.resultErrorRate)) return json(502, { detail: "Bad gateway" });
      const outcome = request.phase.outcome;
      const headers: Record<string, string> = { "x-fal-request-id": request.id };
      if (outcome.errorType && outcome.httpStatus >= 400) headers["x-fal-error-type"] = outcome.errorType;
      if (outcome.errorType === "request_timeout") headers["x-fal-request-timeout-type"] = "user";
      return json(outcome.httpStatus, outcome.body, headers);
    }

    if (op === "submit") {
      const endpoint = findEndpointByPath(path);
      if (!endpoint) return json(404, { detail: `No route for ${method} ${path}` });
      Object.assign(entry, { endpoint: endpoint.id });
      const denied = authorized(req);
      if (denied) return denied;
      if (faults.maxQueueLength !== undefined && store.queuedCount >= faults.maxQueueLength)
        return json(429, { detail: "Queue is full" });
      let input: unknown;
      try {
        input = JSON.parse((await readBody(req)).toString("utf8") || "null");
      } catch {
        return json(422, {
          detail: [{ loc: ["body"], msg: "Invalid JSON", type: "value_error.jsondecode" }],
        });
      }
      const timeoutHeader = Number(req.headers["x-fal-request-timeout"]);
      const startTimeoutMs = timeoutHeader > 0 ? timeoutHeader * 1000 : undefined;
      const request = store.submit(endpoint, input, startTimeoutMs);
      entry.requestId = request.id;
      return json(200, {
        status: "IN_QUEUE",
        request_id: request.id,
        ...requestUrls(baseUrl, request),
        queue_position: store.queuePosition(request) ?? 0,
      });
    }
    return json(404, { detail: `No route for ${method} ${path}` });
  }

  function stats(): EmulatorStats {
    const calls: Record<string, number> = {};
    for (const r of record) calls[r.op] = (calls[r.op] ?? 0) + 1;
    return {
      requests: [...store.all()].map((r) => timelineOf(r, started)),
      capacity,
      maxQueued,
      rateLimited,
      earlySends,
      calls,
    };
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator.local");
    const entry: RecordedRequest = {
      seq: record.length + 1,
      at: Date.now() - started,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      op: classify(req.method ?? "GET", url.pathname),
      status: 0,
      headers: safeHeaders(req.headers),
      hadAuthorization: req.headers.authorization !== undefined,
    };
    record.push(entry);
    route(req, res, url, entry).then(
      (reply) => {
        if (!reply || res.destroyed) return;
        entry.status = reply.status;
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(JSON.stringify(reply.body));
      },
      (error: unknown) => {
        entry.status = 500;
        if (res.destroyed) return;
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            detail: `Emulator error: ${error instanceof Error ? error.message : String(error)}`,
          }),
        );
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${opts.host}:${address.port}`;

  return {
    url: baseUrl,
    requests: record,
    get concurrency() {
      return store.concurrency;
    },
    setConcurrency,
    release(requestId) {
      const i = requestId === undefined ? 0 : held.findIndex((h) => h.id === requestId);
      const item = held[i];
      if (i < 0 || !item) return false;
      held.splice(i, 1);
      item.release();
      return true;
    },
    forget: (requestId) => {
      const request = store.get(requestId);
      if (!store.forget(requestId)) return false;
      const body = request?.phase.kind === "completed" ? request.phase.outcome.body : undefined;
      for (const image of (body as { images?: { url: string }[] } | undefined)?.images ?? [])
        if (image.url.startsWith(baseUrl)) files.delete(image.url.slice(baseUrl.length));
      return true;
    },
    load: () => ({ running: store.runningCount, queued: store.queuedCount }),
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const h of held.splice(0)) h.release();
        for (const subs of streams.values()) for (const s of subs) s.res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
