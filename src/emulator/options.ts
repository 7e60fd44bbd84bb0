import { findEndpoint } from "../endpoints/index.js";
import type { CapacityStep, EmulatorFaults, ScheduledOutage } from "./faults.js";
import { type EmulatorModel, type ServedModel, servedModels } from "./models.js";

/**
 * How long one request runs, in emulated milliseconds (before `timeScale`).
 * - a number: every request takes that long;
 * - `{ min, max }`: uniform in [min, max];
 * - `{ mean, sd }`: normal, never below a tenth of the mean;
 * - `"hold"`: a request runs until the test calls `emulator.release()`.
 */
export type InferenceTime =
  | number
  | { readonly min: number; readonly max: number }
  | { readonly mean: number; readonly sd: number }
  | "hold";

/** Options of the fal-protocol emulator. */
export interface EmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Address to bind. Only loopback is meant. @default "127.0.0.1" */
  readonly host?: string;
  /** Account concurrency C: requests IN_PROGRESS at once. @default 2 */
  readonly concurrency?: number;
  /** Emulated inference time per request. @default { min: 5000, max: 60000 } */
  readonly inferenceMs?: InferenceTime;
  /**
   * Real milliseconds per emulated millisecond, so tests and the demo run fast.
   * @default 1
   * @example 0.01 // a 30 s job takes 300 ms
   */
  readonly timeScale?: number;
  /** Keys accepted in `Authorization: Key …`; any non-empty key when left out. */
  readonly apiKeys?: readonly string[];
  /** Seed of the emulator's random numbers (inference times, seeds), for repeatable runs. @default 1 */
  readonly randomSeed?: number;
  /** How many images one generation returns when `max_images` > 1. @default "max" */
  readonly multiImage?: "max" | "min";
  /**
   * Words the emulated content checker flags: a prompt holding one (case-insensitive) is
   * answered with fal's 422 `content_policy_violation`. @default []
   */
  readonly blockedWords?: readonly string[];
  /** Faults to inject (rate limits, errors, resets, truncated downloads). @default none */
  readonly faults?: EmulatorFaults;
  /** Changes of C during the run, e.g. 10 → 25 → 6. */
  readonly capacitySchedule?: readonly CapacityStep[];
  /**
   * Outages on a schedule, in real milliseconds after the start; more can be started while the
   * emulator runs (`emulator.outage`). @default []
   * @example [{ atMs: 2000, durationMs: 120_000, kind: "refuse" }]
   */
  readonly outages?: readonly ScheduledOutage[];
  /**
   * Price per generated image in USD by endpoint id: what `GET /v1/models/pricing` answers and
   * what the emulator bills. @default each endpoint's built-in price
   */
  readonly prices?: Readonly<Record<string, number>>;
  /**
   * What the request history gives as a request's `json_input`: the body `as-sent`, or
   * `with-defaults`, the input as the model ran it, every optional field it left out filled
   * with the endpoint's default (fal does not document which one its history keeps, so a
   * runner must not rely on either without checking). @default "as-sent"
   */
  readonly historyInput?: "as-sent" | "with-defaults";
  /**
   * `full` renders each image from the job's inputs with its prompt drawn on; `fast` serves
   * one cached image per size (same protocol and sizes), for benchmarks of thousands of jobs;
   * `fast-large` the same with a band of noise, so each PNG is the size of a real result (about
   * 1.7 MB at 1920²), for benchmarks that weigh bytes read against the outputs' bytes.
   * @default "full"
   */
  readonly render?: "full" | "fast" | "fast-large";
  /**
   * A path before `/{owner}/{app}/requests/{id}` where status, result and cancel are served, and
   * only there (the submit reply's URLs say so). fal documents that these URLs are to be taken
   * from the reply, never built: a prefix shows that a client does. @default "" (fal's paths)
   * @example "/q"
   */
  readonly queuePathPrefix?: string;
  /**
   * Give out fal's own URLs (`https://queue.fal.run/…`, `https://v3.fal.media/…`) for the queue,
   * uploads and files, as fal does: only a client that sends every fal host, the CDN included,
   * to the emulator's base URL reaches them. @default false
   */
  readonly falHosts?: boolean;
  /**
   * Real ms after completion before a request's queue result expires (status, result and cancel
   * then answer 404; the request history keeps it, with payloads). fal speaks of about an hour.
   * @default never
   */
  readonly queueResultTtlMs?: number;
  /**
   * Real ms a generated file is served when its submit set no `X-Fal-Object-Lifecycle-Preference`
   * (an account's default); with the header, its `expiration_duration_seconds` applies. @default never
   */
  readonly defaultMediaLifetimeMs?: number;
  /** Real ms between keep-alive comments on a status stream (fal: at least every 15 s). @default 10000 */
  readonly streamKeepAliveMs?: number;
  /**
   * Models served besides the shipped Seedream snapshots (or replacing one of the same id): any
   * fal image-edit endpoint, with its OpenAPI document; `GET /v1/models` answers them and the
   * queue runs them. @default []
   * @example [{ endpointId: "bytedance/seedream/v5/pro/edit", openapi: { … } }]
   */
  readonly models?: readonly EmulatorModel[];
}

/** Options with every default filled in. */
export type ResolvedEmulatorOptions = Required<
  Omit<EmulatorOptions, "apiKeys" | "queueResultTtlMs" | "defaultMediaLifetimeMs" | "models">
> & {
  readonly apiKeys: readonly string[] | undefined;
  /** Every model served, the shipped ones included. */
  readonly models: readonly ServedModel[];
  readonly queueResultTtlMs: number | undefined;
  readonly defaultMediaLifetimeMs: number | undefined;
};

/** A queue path prefix as the emulator serves it: empty, or `/` and segments, no trailing `/`. */
function checkedPrefix(prefix: string): string {
  if (prefix !== "" && !/^(\/[A-Za-z0-9._-]+)+$/.test(prefix))
    throw new RangeError(
      `emulator queuePathPrefix must be empty or like "/q", got ${JSON.stringify(prefix)}`,
    );
  return prefix;
}

/** Draws one inference time in emulated milliseconds; undefined for "hold". */
export function drawInferenceMs(spec: InferenceTime, random: () => number): number | undefined {
  if (spec === "hold") return undefined;
  if (typeof spec === "number") return spec;
  if ("min" in spec) return spec.min + random() * (spec.max - spec.min);
  // Box–Muller, floored so no request takes (almost) no time.
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(spec.mean / 10, spec.mean + z * spec.sd);
}

const OUTAGE_KINDS: ReadonlySet<string> = new Set(["refuse", "reset", "502", "503", "504"]);

/** Refuses an outage the emulator could not play: the message names the bad value. */
export function checkOutage(o: { atMs?: number; durationMs?: number; kind: string }): void {
  if (!OUTAGE_KINDS.has(o.kind))
    throw new RangeError(`outage kind must be refuse, reset, 502, 503 or 504, got ${JSON.stringify(o.kind)}`);
  for (const [name, v] of [
    ["atMs", o.atMs],
    ["durationMs", o.durationMs],
  ] as const)
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new RangeError(`outage ${name} must be a number of milliseconds ≥ 0, got ${String(v)}`);
}

function checkedOutages(outages: readonly ScheduledOutage[]): readonly ScheduledOutage[] {
  for (const o of outages) checkOutage(o);
  return outages;
}

/** Prices by endpoint id (a model name such as `seedream-v4.5` is taken for its endpoint). */
function checkedPrices(prices: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [key, usd] of Object.entries(prices)) {
    if (!(Number.isFinite(usd) && usd >= 0))
      throw new RangeError(`emulator price of ${key} must be a number of USD ≥ 0, got ${String(usd)}`);
    out[findEndpoint(key)?.id ?? key] = usd;
  }
  return out;
}

/** Fills in every default and checks the values (a RangeError names the bad one). */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`emulator concurrency must be a whole number ≥ 1, got ${String(concurrency)}`);
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`emulator timeScale must be > 0, got ${String(timeScale)}`);
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    concurrency,
    inferenceMs: options.inferenceMs ?? { min: 5000, max: 60000 },
    timeScale,
    apiKeys: options.apiKeys,
    randomSeed: options.randomSeed ?? 1,
    multiImage: options.multiImage ?? "max",
    blockedWords: options.blockedWords ?? [],
    faults: options.faults ?? {},
    capacitySchedule: options.capacitySchedule ?? [],
    outages: checkedOutages(options.outages ?? []),
    prices: checkedPrices(options.prices ?? {}),
    historyInput: options.historyInput ?? "as-sent",
    render: options.render ?? "full",
    queuePathPrefix: checkedPrefix(options.queuePathPrefix ?? ""),
    falHosts: options.falHosts ?? false,
    queueResultTtlMs: options.queueResultTtlMs,
    defaultMediaLifetimeMs: options.defaultMediaLifetimeMs,
    streamKeepAliveMs: options.streamKeepAliveMs ?? 10_000,
    models: servedModels(options.models ?? []),
  };
}

/** A small seeded generator (mulberry32): repeatable inference times and seeds. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
