import { randomUUID } from "node:crypto";
import type { EndpointDefinition } from "../endpoints/index.js";

/** The result fal answers for a finished request: the model's output or its error. */
export interface Outcome {
  readonly httpStatus: number;
  readonly body: unknown;
  /** Set on failures: fal's `error_type`. */
  readonly errorType?: string;
}

export interface LogEntry {
  readonly message: string;
  readonly level: "INFO" | "ERROR";
  readonly source: "USER";
  readonly timestamp: string;
}

export type Phase =
  | { readonly kind: "queued" }
  | { readonly kind: "running"; readonly startedAt: number }
  | {
      readonly kind: "completed";
      readonly startedAt: number | undefined;
      readonly completedAt: number;
      readonly outcome: Outcome;
    };

/** One request the emulated account has accepted. */
export interface FalRequest {
  readonly id: string;
  readonly endpoint: EndpointDefinition;
  readonly input: unknown;
  readonly submittedAt: number;
  phase: Phase;
  logs: LogEntry[];
  /** When the first result call after completion came (for completion-detection delay). */
  resultFetchedAt?: number;
  /** The longest wait IN_QUEUE the submit allowed (`x-fal-request-timeout`), in ms. */
  startTimeoutMs?: number;
  /** How long its generated files are served (`X-Fal-Object-Lifecycle-Preference`), in real ms. */
  mediaLifetimeMs?: number;
  /** false when the submit said `X-Fal-Store-IO: 0`: the history keeps no payloads of it. */
  storeIo?: boolean;
  /** Its queue result has expired: the queue no longer knows it, the history still does. */
  queueExpired?: boolean;
}

/** What a submit's headers asked of the request. */
export interface SubmitExtras {
  readonly startTimeoutMs?: number;
  readonly mediaLifetimeMs?: number;
  readonly storeIo?: boolean;
}

/** What the store asks of its owner: run a request, and be told of changes. */
export interface StoreHooks {
  /** Starts the work of a request; resolves with its outcome. */
  readonly run: (request: FalRequest) => Promise<Outcome>;
  /** Called after every change of a request (phase, logs, queue position). */
  readonly changed: (request: FalRequest) => void;
  /** Called once when a request completes. */
  readonly completed?: (request: FalRequest) => void;
  readonly now: () => number;
}

/**
 * The emulated account: every request by id, a FIFO queue, and at most `concurrency`
 * requests running. Requests over the limit wait IN_QUEUE, as on fal.
 */
export class RequestStore {
  readonly #requests = new Map<string, FalRequest>();
  readonly #queue: FalRequest[] = [];
  #running = 0;
  #concurrency: number;
  readonly #hooks: StoreHooks;

  constructor(concurrency: number, hooks: StoreHooks) {
    this.#concurrency = concurrency;
    this.#hooks = hooks;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Changes C while the emulator runs; running requests are never stopped. */
  setConcurrency(c: number): void {
    if (!Number.isInteger(c) || c < 1)
      throw new RangeError(`concurrency must be a whole number ≥ 1, got ${c}`);
    this.#concurrency = c;
    this.#pump();
  }

  get runningCount(): number {
    return this.#running;
  }

  get queuedCount(): number {
    return this.#queue.length;
  }

  submit(endpoint: EndpointDefinition, input: unknown, extras: SubmitExtras = {}): FalRequest {
    const { startTimeoutMs } = extras;
    const request: FalRequest = {
      id: randomUUID(),
      endpoint,
      input,
      submittedAt: this.#hooks.now(),
      phase: { kind: "queued" },
      logs: [],
      ...extras,
    };
    this.#requests.set(request.id, request);
    this.#queue.push(request);
    this.#pump();
    if (startTimeoutMs !== undefined && request.phase.kind === "queued")
      setTimeout(() => this.#expireQueued(request), startTimeoutMs).unref();
    return request;
  }

  /** Every request, in submit order (for the emulator's measures). */
  all(): IterableIterator<FalRequest> {
    return this.#requests.values();
  }

  /** A request that waited IN_QUEUE past its start timeout ends with fal's 504. */
  #expireQueued(request: FalRequest): void {
    if (request.phase.kind !== "queued") return;
    this.#queue.splice(this.#queue.indexOf(request), 1);
    this.#queueShifted();
    this.#complete(request, undefined, {
      httpStatus: 504,
      body: { detail: "Request timed out before processing started", error_type: "request_timeout" },
      errorType: "request_timeout",
    });
  }

  get(id: string): FalRequest | undefined {
    return this.#requests.get(id);
  }

  /** A request as the queue knows it: not once its queue result has expired. */
  inQueue(id: string): FalRequest | undefined {
    const request = this.#requests.get(id);
    return request?.queueExpired ? undefined : request;
  }

  /**
   * Expires a completed request's queue result, as fal does after a while: status, result and
   * cancel answer 404, while the request history still lists it with its payloads.
   */
  expireResult(id: string): boolean {
    const request = this.#requests.get(id);
    if (request?.phase.kind !== "completed" || request.queueExpired) return false;
    request.queueExpired = true;
    this.#hooks.changed(request);
    return true;
  }

  /** Forgets a request, as fal does once its result has expired. */
  forget(id: string): boolean {
    const request = this.#requests.get(id);
    if (request?.phase.kind !== "completed") return false;
    return this.#requests.delete(id);
  }

  /** 0-based position among the waiting requests, or undefined when not waiting. */
  queuePosition(request: FalRequest): number | undefined {
    const i = this.#queue.indexOf(request);
    return i < 0 ? undefined : i;
  }

  /**
   * Cancels a request: a queued one leaves the queue at once; a running one is completed
   * with a cancellation error. Returns fal's outcome name.
   */
  cancel(id: string): "CANCELLATION_REQUESTED" | "ALREADY_COMPLETED" | "NOT_FOUND" {
    const request = this.#requests.get(id);
    if (!request) return "NOT_FOUND";
    if (request.phase.kind === "completed") return "ALREADY_COMPLETED";
    const startedAt = request.phase.kind === "running" ? request.phase.startedAt : undefined;
    if (request.phase.kind === "queued") {
      this.#queue.splice(this.#queue.indexOf(request), 1);
      this.#queueShifted();
    } else {
      this.#running -= 1;
    }
    this.#complete(request, startedAt, {
      httpStatus: 400,
      body: { detail: "Request was cancelled", error_type: "request_cancelled" },
      errorType: "request_cancelled",
    });
    this.#pump();
    return "CANCELLATION_REQUESTED";
  }

  addLog(request: FalRequest, message: string, level: LogEntry["level"] = "INFO"): void {
    request.logs.push({
      message,
      level,
      source: "USER",
      timestamp: new Date(this.#hooks.now()).toISOString(),
    });
    this.#hooks.changed(request);
  }

  #complete(request: FalRequest, startedAt: number | undefined, outcome: Outcome): void {
    request.phase = { kind: "completed", startedAt, completedAt: this.#hooks.now(), outcome };
    this.#hooks.changed(request);
    this.#hooks.completed?.(request);
  }

  #queueShifted(): void {
    for (const waiting of this.#queue) this.#hooks.changed(waiting);
  }

  #pump(): void {
    let started = false;
    while (this.#running < this.#concurrency && this.#queue.length > 0) {
      const request = this.#queue.shift() as FalRequest;
      started = true;
      this.#running += 1;
      const startedAt = this.#hooks.now();
      request.phase = { kind: "running", startedAt };
      this.#hooks.changed(request);
      this.#hooks.run(request).then(
        (outcome) => this.#finish(request, startedAt, outcome),
        (error: unknown) =>
          this.#finish(request, startedAt, {
            httpStatus: 500,
            body: { detail: `Internal error: ${error instanceof Error ? error.message : String(error)}` },
            errorType: "internal_error",
          }),
      );
    }
    if (started) this.#queueShifted();
  }

  #finish(request: FalRequest, startedAt: number, outcome: Outcome): void {
    if (request.phase.kind !== "running") return; // canceled while running
    this.#running -= 1;
    this.#complete(request, startedAt, outcome);
    this.#pump();
  }
}
