import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Capacity } from "./capacity.js";
import type { EmulatorContext } from "./context.js";
import { FaultDice } from "./fault-dice.js";
import type { EmulatorFaults, OutageKind } from "./faults.js";
import { FileStore } from "./files.js";
import { Gateway } from "./gateway.js";
import { HeldAnswers } from "./held-answers.js";
import { Ledger } from "./ledger.js";
import { createListener } from "./listener.js";
import { collectStats, type EmulatorStats } from "./metrics.js";
import { checkOutage, createRandom, type EmulatorOptions, resolveEmulatorOptions } from "./options.js";
import { type OutageHooks, Outages } from "./outages.js";
import { priceOf } from "./platform-routes.js";
import { publicUrls } from "./public-urls.js";
import type { RecordedRequest } from "./record.js";
import { RequestStore } from "./request-store.js";
import { statusBody } from "./status-body.js";
import { StatusStreams } from "./status-streams.js";
import { Watchers } from "./watchers.js";
import { Worker } from "./worker.js";

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
  /** Replaces the faults in force (rate limit, error rates, held submit answers …). */
  setFaults(faults: EmulatorFaults): void;
  /**
   * Starts an outage now (see `OutageKind`), for `durationMs` real milliseconds or until
   * `endOutage()`. The emulator keeps its state throughout, as fal would.
   */
  outage(outage: { readonly kind: OutageKind; readonly durationMs?: number }): void;
  /** Ends the outage in force; resolves once the emulator answers again. */
  endOutage(): Promise<void>;
  /** Sends every submit answer held by `delaySubmitAnswerMs`; returns how many there were. */
  releaseSubmitAnswers(): number;
  /** With `inferenceMs: "hold"`: finishes one running request (the oldest, or the one named). */
  release(requestId?: string): boolean;
  /** Forgets a completed request entirely (queue, history, files): fal no longer knows it at all. */
  forget(requestId: string): boolean;
  /**
   * Expires a completed request's queue result, as fal does after about an hour: status, result
   * and cancel answer 404, while the request history keeps it, with its payloads, and its files stay.
   */
  expireResult(requestId: string): boolean;
  /** Requests running and waiting now. */
  load(): { running: number; queued: number };
  /** What the emulator measured so far. */
  stats(): EmulatorStats;
  /**
   * Resolves with the stats once `predicate` holds (checked on every call and change), e.g.
   * `await emulator.waitFor((s) => s.submits.accepted >= 3)`: tests wait on events, not time.
   */
  waitFor(predicate: (stats: EmulatorStats) => boolean): Promise<EmulatorStats>;
  close(): Promise<void>;
}

/**
 * The emulator's parts, wired: the account runs its requests on the worker, and every change
 * of a request reaches its status streams, the ledger and the watchers. Closures read `ctx`
 * when called, after it exists.
 */
function createContext(options: EmulatorOptions, server: OutageHooks, watchers: Watchers): EmulatorContext {
  const opts = resolveEmulatorOptions(options);
  const started = Date.now();
  const files = new FileStore();
  const faults = new FaultDice(opts.faults, opts.randomSeed);
  const worker = new Worker({
    opts,
    files,
    faults,
    random: createRandom(opts.randomSeed),
    urls: publicUrls(() => ctx.baseUrl, opts.falHosts),
    log: (request, message) => store.addLog(request, message),
  });
  const store = new RequestStore(opts.concurrency, {
    now: () => Date.now(),
    changed: (request) => {
      ctx.measures.maxQueued = Math.max(ctx.measures.maxQueued, store.queuedCount);
      ctx.streams.push(request.id);
      ctx.ledger.observe(request);
      ctx.changed();
    },
    run: (request) => worker.run(request),
    completed: (request) => {
      if (opts.queueResultTtlMs !== undefined)
        setTimeout(() => store.expireResult(request.id), opts.queueResultTtlMs).unref();
    },
  });
  const ctx: EmulatorContext = {
    opts,
    started,
    files,
    store,
    worker,
    streams: new StatusStreams(
      (id, withLogs) => {
        const request = store.get(id);
        if (!request) return undefined;
        const body = statusBody(
          ctx.urls,
          opts.queuePathPrefix,
          request,
          store.queuePosition(request),
          withLogs,
        );
        return { body: JSON.stringify(body), final: request.phase.kind === "completed" };
      },
      { keepAliveMs: opts.streamKeepAliveMs, silent: () => faults.current.silentStreams === true },
    ),
    faults,
    gateway: new Gateway(faults),
    capacity: new Capacity(store, started, opts.capacitySchedule),
    outages: new Outages(opts.outages, server),
    answers: new HeldAnswers(() => faults.current),
    ledger: new Ledger((id) => priceOf(opts.prices, opts.models, id) ?? 0),
    changed: () => watchers.check(() => collectStats(ctx)),
    measures: { maxQueued: 0 },
    record: [],
    baseUrl: "",
    urls: publicUrls(() => ctx.baseUrl, opts.falHosts),
  };
  return ctx;
}

/** Forgets a completed request and deletes the images it generated, as fal's expiry does. */
function forgetRequest(ctx: EmulatorContext, requestId: string): boolean {
  const request = ctx.store.get(requestId);
  if (!ctx.store.forget(requestId)) return false;
  const body = request?.phase.kind === "completed" ? request.phase.outcome.body : undefined;
  for (const image of (body as { images?: { url: string }[] } | undefined)?.images ?? []) {
    const path = ctx.urls.ownPath(image.url);
    if (path !== undefined) ctx.files.delete(path);
  }
  return true;
}

/** What an outage does to the HTTP server: drop connections, stop listening, listen again. */
function outageHooks(
  server: Server,
  address: () => { port: number; host: string },
  changed: () => void,
  endStreams: () => void,
): OutageHooks {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    dropConnections: () => {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    stopListening: () => server.close(),
    listen: () => listen(server, address().port, address().host),
    changed,
    endStreams,
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Starts the emulator: a loopback HTTP server speaking fal's queue and storage protocol and
 * the Platform API's request history and prices (shared/reference/fal-protocol.md), that the
 * unmodified `@fal-ai/client` talks to.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const server = createServer();
  const watchers = new Watchers();
  let port = 0;
  const ctx = createContext(
    options,
    outageHooks(
      server,
      () => ({ port, host: ctx.opts.host }),
      () => ctx.changed(),
      () => ctx.streams.closeAll(),
    ),
    watchers,
  );
  server.on("request", createListener(ctx));
  await listen(server, ctx.opts.port, ctx.opts.host);
  port = (server.address() as AddressInfo).port;
  ctx.baseUrl = `http://${ctx.opts.host}:${port}`;

  return {
    url: ctx.baseUrl,
    requests: ctx.record,
    get concurrency() {
      return ctx.store.concurrency;
    },
    setConcurrency: (c) => ctx.capacity.set(c),
    setFaults: (faults) => ctx.faults.set(faults),
    outage: ({ kind, durationMs }) => {
      checkOutage({ kind, ...(durationMs === undefined ? {} : { durationMs }) });
      ctx.outages.start(kind, durationMs);
    },
    endOutage: () => ctx.outages.end(),
    releaseSubmitAnswers: () => ctx.answers.releaseAll(),
    release: (requestId) => ctx.worker.release(requestId),
    forget: (requestId) => forgetRequest(ctx, requestId),
    expireResult: (requestId) => ctx.store.expireResult(requestId),
    load: () => ({ running: ctx.store.runningCount, queued: ctx.store.queuedCount }),
    stats: () => collectStats(ctx),
    waitFor: (predicate) => watchers.add(predicate, () => collectStats(ctx)),
    close: () =>
      new Promise<void>((resolve) => {
        ctx.capacity.dispose();
        ctx.outages.dispose();
        ctx.worker.releaseAll();
        ctx.answers.releaseAll();
        ctx.streams.closeAll();
        server.closeAllConnections();
        // Closing a server that an outage stopped answers an error: it is closed all the same.
        server.close(() => resolve());
      }),
  };
}
