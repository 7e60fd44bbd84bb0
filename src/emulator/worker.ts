import type { FaultDice } from "./fault-dice.js";
import type { FileStore } from "./files.js";
import { generate } from "./generate.js";
import { drawInferenceMs, type ResolvedEmulatorOptions } from "./options.js";
import type { PublicUrls } from "./public-urls.js";
import type { FalRequest, Outcome } from "./request-store.js";

/** What the worker needs from the emulator around it. */
export interface WorkerDeps {
  readonly opts: ResolvedEmulatorOptions;
  readonly files: FileStore;
  readonly faults: FaultDice;
  /** Seeded random numbers for inference times and seeds. */
  readonly random: () => number;
  readonly urls: PublicUrls;
  readonly log: (request: FalRequest, message: string) => void;
}

const RUNNER_LOST: Outcome = {
  httpStatus: 500,
  body: { detail: "Runner error: the worker running this request was lost", error_type: "runner_error" },
  errorType: "runner_error",
};

/** The outcome with every image's stated type and size wrong (the bytes are unchanged). */
function misstated(outcome: Outcome): Outcome {
  const body = outcome.body as { images: Array<{ width: number; height: number }> };
  const images = body.images.map((img) => ({
    ...img,
    content_type: "image/jpeg",
    width: img.height,
    height: img.width + 1,
  }));
  return { ...outcome, body: { ...body, images } };
}

/**
 * The emulated model: runs one request for its inference time and generates its outcome.
 * With `inferenceMs: "hold"` a request runs until `release` names it.
 */
export class Worker {
  readonly #held: Array<{ id: string; release: () => void }> = [];

  constructor(private readonly deps: WorkerDeps) {}

  /** Runs a request to its outcome (the store calls this when it starts one). */
  async run(request: FalRequest): Promise<Outcome> {
    const { opts, faults } = this.deps;
    this.deps.log(request, `Running ${request.endpoint.model}`);
    const ctx = {
      files: this.deps.files,
      urls: this.deps.urls,
      mediaLifetimeMs: request.mediaLifetimeMs ?? opts.defaultMediaLifetimeMs,
      random: this.deps.random,
      multiImage: opts.multiImage,
      blockedWords: opts.blockedWords,
      render: opts.render,
    };
    const fails = faults.chance(faults.current.failRequests);
    const [outcome] = await Promise.all([
      generate(ctx, request.endpoint, request.id, request.input),
      this.#inferenceDelay(request),
    ]);
    if (fails && outcome.httpStatus === 200) return RUNNER_LOST;
    if (faults.current.misstateImages && outcome.httpStatus === 200) return misstated(outcome);
    if (outcome.httpStatus === 200) {
      const n = (outcome.body as { images: unknown[] }).images.length;
      this.deps.log(request, `Generated ${n} image${n === 1 ? "" : "s"}`);
    }
    return outcome;
  }

  /** Finishes a held request (the oldest, or the one named); false when none is held. */
  release(requestId?: string): boolean {
    const i = requestId === undefined ? 0 : this.#held.findIndex((h) => h.id === requestId);
    const item = this.#held[i];
    if (i < 0 || !item) return false;
    this.#held.splice(i, 1);
    item.release();
    return true;
  }

  /** Lets every held request finish (the emulator is closing). */
  releaseAll(): void {
    for (const h of this.#held.splice(0)) h.release();
  }

  #inferenceDelay(request: FalRequest): Promise<void> {
    const ms = drawInferenceMs(this.deps.opts.inferenceMs, this.deps.random);
    if (ms === undefined)
      return new Promise((resolve) => {
        this.#held.push({ id: request.id, release: resolve });
      });
    return new Promise((resolve) => setTimeout(resolve, ms * this.deps.opts.timeScale));
  }
}
