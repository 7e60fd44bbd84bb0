import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Capacity } from "./capacity.js";
import type { EmulatorContext } from "./context.js";
import { FaultDice } from "./fault-dice.js";
import { FileStore } from "./files.js";
import { Gateway } from "./gateway.js";
import { createListener } from "./listener.js";
import { collectStats, type EmulatorStats } from "./metrics.js";
import { createRandom, type EmulatorOptions, resolveEmulatorOptions } from "./options.js";
import type { RecordedRequest } from "./record.js";
import { RequestStore } from "./request-store.js";
import { statusBody } from "./status-body.js";
import { StatusStreams } from "./status-streams.js";
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

/**
 * The emulator's parts, wired: the account runs its requests on the worker, and every change
 * of a request reaches its status streams. Closures read `ctx` when called, after it exists.
 */
function createContext(options: EmulatorOptions): { ctx: EmulatorContext; worker: Worker } {
  const opts = resolveEmulatorOptions(options);
  const started = Date.now();
  const files = new FileStore();
  const faults = new FaultDice(opts.faults, opts.randomSeed);
  const worker: Worker = new Worker({
    opts,
    files,
    faults,
    random: createRandom(opts.randomSeed),
    baseUrl: () => ctx.baseUrl,
    log: (request, message) => store.addLog(request, message),
  });
  const store = new RequestStore(opts.concurrency, {
    now: () => Date.now(),
    changed: (request) => {
      ctx.measures.maxQueued = Math.max(ctx.measures.maxQueued, store.queuedCount);
      ctx.streams.push(request.id);
    },
    run: (request) => worker.run(request),
  });
  const ctx: EmulatorContext = {
    opts,
    started,
    files,
    store,
    streams: new StatusStreams((id, withLogs) => {
      const request = store.get(id);
      if (!request) return undefined;
      const body = statusBody(ctx.baseUrl, request, store.queuePosition(request), withLogs);
      return { body: JSON.stringify(body), final: request.phase.kind === "completed" };
    }),
    faults,
    gateway: new Gateway(faults),
    capacity: new Capacity(store, started, opts.capacitySchedule),
    measures: { maxQueued: 0 },
    record: [],
    baseUrl: "",
  };
  return { ctx, worker };
}

/** Forgets a completed request and deletes the images it generated, as fal's expiry does. */
function forgetRequest(ctx: EmulatorContext, requestId: string): boolean {
  const request = ctx.store.get(requestId);
  if (!ctx.store.forget(requestId)) return false;
  const body = request?.phase.kind === "completed" ? request.phase.outcome.body : undefined;
  for (const image of (body as { images?: { url: string }[] } | undefined)?.images ?? [])
    if (image.url.startsWith(ctx.baseUrl)) ctx.files.delete(image.url.slice(ctx.baseUrl.length));
  return true;
}

/**
 * Starts the emulator: a loopback HTTP server speaking fal's queue and storage protocol
 * (shared/reference/fal-protocol.md) that the unmodified `@fal-ai/client` talks to.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { ctx, worker } = createContext(options);
  const server = createServer(createListener(ctx));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(ctx.opts.port, ctx.opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  ctx.baseUrl = `http://${ctx.opts.host}:${address.port}`;

  return {
    url: ctx.baseUrl,
    requests: ctx.record,
    get concurrency() {
      return ctx.store.concurrency;
    },
    setConcurrency: (c) => ctx.capacity.set(c),
    release: (requestId) => worker.release(requestId),
    forget: (requestId) => forgetRequest(ctx, requestId),
    load: () => ({ running: ctx.store.runningCount, queued: ctx.store.queuedCount }),
    stats: () => collectStats(ctx),
    close: () =>
      new Promise<void>((resolve) => {
        ctx.capacity.dispose();
        worker.releaseAll();
        ctx.streams.closeAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
