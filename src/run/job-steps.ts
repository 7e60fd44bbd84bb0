import {
  checkResultImages,
  checkResultUrl,
  describeFalError,
  FalAnswerRefusedError,
  type FalRequestRef,
  inputDigest,
  isOutageAnswer,
  type QueueUrls,
} from "../fal/index.js";
import type { FalFailure, JobError, Stage } from "../model/failure.js";
import type { AttemptRecord, JobTimings, RetryRecord, TriedOutcome } from "../model/job-outcome.js";
import type { JobPhase } from "../model/job-phase.js";
import type { PendingRender } from "../model/kept-image.js";
import { type FalImageClaims, keepImage, recipeOf } from "../outputs/index.js";
import { falInput, type Job } from "../plan/index.js";
import { deliveryFor } from "./delivery.js";
import type { JobContext } from "./job-context.js";
import type { DeliveryEvent, ResultEvent, SubmitEvent } from "./job-machine.js";
import { type LostRequest, lookUpFor, resultOf } from "./lost-request.js";
import type { ReconcileEvent } from "./reconcile.js";
import { backoffMs, classify, type FailureFacts } from "./retry-policy.js";
import { unwritableCause } from "./run-stop.js";
import { SendGuard } from "./send-guard.js";
import type { UploadResults } from "./upload-inputs.js";

type Timings = { submittedAt?: number; startedAt?: number; completedAt?: number };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An ended outcome without what JobSteps adds itself. */
export type EndedFields = DistributiveOmit<TriedOutcome, "attempts" | "retries" | "timings">;

/** 429s one step may meet before its job fails: high, since each waited for the gate. */
const MAX_RATE_LIMITED = 100;

/** A failure of one fal call, classified by the retry policy. */
export function jobError(stage: Stage, failure: FalFailure, errorType?: string): JobError {
  const facts: FailureFacts = { stage, failure, ...(errorType === undefined ? {} : { errorType }) };
  return { ...failure, stage, class: classify(facts), ...(errorType === undefined ? {} : { errorType }) };
}

/**
 * Whether a failed fal call is one the outage gate holds back: while fal is away such a
 * failure spends no attempt (the gate paces the next call), so an outage fails no job.
 */
export function heldByOutage(
  ctx: Pick<JobContext, "fal" | "stop">,
  stage: Stage,
  failure: FalFailure,
): boolean {
  if (stage !== "submit" && stage !== "status" && stage !== "result") return false;
  if (failure.kind !== "network" && failure.kind !== "http") return false;
  return ctx.fal.gate.away && isOutageAnswer(failure.status) && ctx.stop.reason() === undefined;
}

/** The images a result claims, checked for the fields delivery needs. */
function resultImages(data: unknown): FalImageClaims[] {
  const images = (data as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) throw new Error("fal's result has no `images` list");
  return images.map((img, i) => {
    const o = (img ?? {}) as { url?: unknown; content_type?: unknown; width?: unknown; height?: unknown };
    if (typeof o.url !== "string") throw new Error(`fal's result image ${i} has no url`);
    return {
      url: o.url,
      ...(typeof o.content_type === "string" ? { content_type: o.content_type } : {}),
      ...(typeof o.width === "number" ? { width: o.width } : {}),
      ...(typeof o.height === "number" ? { height: o.height } : {}),
    };
  });
}

/** Resolves the job's input images: URLs as they are, local files by their upload. */
export function imageUrls(job: Job, uploads: UploadResults): string[] | JobError {
  const urls: string[] = [];
  for (const ref of job.images) {
    if (ref.kind === "url") {
      urls.push(ref.url);
      continue;
    }
    const uploaded = uploads.get(ref.sha256);
    if (!uploaded || "failure" in uploaded) {
      const failure = uploaded?.failure ?? { kind: "network" as const, message: "not uploaded" };
      return {
        ...jobError("upload", failure),
        message: `upload of ${ref.source} failed: ${failure.message}`,
      };
    }
    urls.push(uploaded.url);
  }
  return urls;
}

/**
 * The IO of one job's steps (submit, fetch a result, deliver), each returning the event the
 * job machine decides on; and what they leave for the report (attempts, retries, timings).
 * Following a request at fal is in `job-follow.ts`.
 */
export class JobSteps {
  readonly attempts: AttemptRecord[] = [];
  readonly retries: RetryRecord[] = [];
  timings: Timings = {};
  readonly log;
  /** The result fetch started the moment fal said COMPLETED (before the slot was given up). */
  prefetched: { readonly request: string; readonly result: Promise<ResultEvent> } | undefined;
  /** The `submitted` line of the request just sent, on disk once this resolves. */
  journaled: Promise<void> | undefined;
  /** Where fal said each of this job's requests is reached (a job has a few at most). */
  readonly #urls = new Map<string, QueueUrls>();

  constructor(
    readonly job: Job,
    readonly ctx: JobContext,
    readonly imageUrls: readonly string[],
    /** Why its inputs have no URLs, when they could not be uploaded. */
    readonly uploadError?: JobError,
  ) {
    this.log = ctx.logger.child({ job: job.id });
  }

  /** A request of this job as the client reaches it: by fal's URLs when it gave them. */
  ref(request: string): FalRequestRef {
    return { id: request, urls: this.#urls.get(request) };
  }

  /** Keeps the URLs an earlier run journaled for `request`. */
  locate(request: string, urls: QueueUrls | undefined): void {
    if (urls) this.#urls.set(request, urls);
  }

  /** Runs `step` up to the policy's attempts, backing off between; permanent and fatal failures end at once. */
  async retrying<T>(stage: Stage, step: () => Promise<T>, errorType?: string): Promise<T | JobError> {
    // A 429 is back-pressure, not a failure of the job: the gate already held every call until
    // fal's Retry-After, so it does not use up an attempt (bounded apart, to stay finite).
    let rateLimited = 0;
    const { stop, clock, random } = this.ctx;
    const { retry } = this.ctx.limits;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const failure = describeFalError(error);
        const e = jobError(stage, failure, errorType);
        if (e.class === "fatal") stop.fatal(failure.message);
        if (heldByOutage(this.ctx, stage, failure)) {
          attempt -= 1;
          continue;
        }
        if (failure.status === 429 && rateLimited < MAX_RATE_LIMITED && stop.reason() === undefined) {
          rateLimited += 1;
          attempt -= 1;
          continue;
        }
        if (e.class !== "retryable" || attempt >= retry.maxAttempts || stop.reason() !== undefined) return e;
        this.retries.push({ stage, attempt, cause: failure.message, at: clock.now() });
        this.log.warn({ stage, attempt, cause: failure.message }, "retrying");
        await clock.sleep(backoffMs(attempt, random, retry), stop.signal);
      }
    }
  }

  /** Sends a new request; journals it the moment fal answers (a run killed after must not pay again). */
  async submit(): Promise<SubmitEvent> {
    const { ctx, job } = this;
    const stopped = ctx.stop.reason();
    if (stopped !== undefined) return { kind: "not-sent", reason: stopped };
    // Never without its inputs (a job that only re-attached or delivered may have none uploaded).
    if (this.imageUrls.length !== job.images.length)
      return { kind: "not-sent", reason: "not submitted: its input images were not uploaded" };
    if (ctx.stop.budget && !ctx.stop.budget.reserve(job))
      return { kind: "not-sent", reason: "not submitted: the budget is spent" };
    const input = falInput(job, this.imageUrls);
    const guard = new SendGuard(ctx, job, inputDigest(input));
    const answer = await this.retrying("submit", () =>
      ctx.fal.client.submit(job.endpoint.id, input, {
        startTimeoutS: ctx.fal.bounds.startTimeoutS,
        ...ctx.fal.storage,
        onSend: guard.onSend,
      }),
    );
    const accepted = "stage" in answer ? undefined : answer;
    const { doubt } = guard;
    // No doubt of the same input is decided while this answer may still name the request.
    if (doubt) ctx.fal.reconciler.sendEnded(guard.digest, accepted?.requestId);
    if (!accepted && guard.blocked) {
      ctx.stop.budget?.settle(job, 0);
      return { kind: "not-sent", reason: ctx.stop.reason() ?? (answer as JobError).message };
    }
    if (!accepted) {
      const submitted = answer as JobError;
      // In doubt, fal may bill it: the reservation stays until the doubt is settled.
      if (submitted.kind === "in-doubt" && doubt) {
        this.log.warn(
          { stage: "submit", cause: submitted.message },
          "submit in doubt: looking for it in fal's request history before sending it again",
        );
        return { kind: "in-doubt", doubt, reason: submitted.message };
      }
      ctx.stop.budget?.settle(job, 0);
      return { kind: "error", error: submitted };
    }
    const submitted = accepted.requestId;
    this.locate(submitted, accepted.urls);
    if (accepted.refusedUrls)
      this.log.warn(
        { requestId: submitted, cause: accepted.refusedUrls },
        "fal's submit reply has URLs the runner will not use; reaching the request by its id",
      );
    const submittedAt = ctx.clock.now();
    // Written at once (a kill right after loses nothing); following the request waits until it is
    // on disk (see `followRequest`), where the run can already reach the request to detach it.
    this.journaled = ctx.state.journal?.append({
      type: "submitted",
      key: job.key,
      job: job.id,
      request: submitted,
      endpoint: job.endpoint.id,
      ...seedOf(job),
      ...(accepted.urls ? { urls: accepted.urls } : {}),
    });
    this.timings = { submittedAt };
    ctx.pools.slots.controller.submitted(submitted, submittedAt);
    await ctx.hooks.submitted?.(job, submitted, submittedAt);
    this.log.info({ requestId: submitted }, "submitted");
    return { kind: "accepted", request: submitted };
  }

  /**
   * Asks fal's request history about a submit in doubt, waiting (without a fal slot) until it
   * is listed or its bound has passed; journals the request found as this job's.
   */
  async reconcile(phase: Extract<JobPhase, { kind: "reconciling" }>): Promise<ReconcileEvent> {
    const { ctx, job } = this;
    const waiting = (until: number) =>
      this.log.warn(
        { until: new Date(until).toISOString() },
        "in doubt, being reconciled: waiting for fal's request history to list it or for fal's bound to pass",
      );
    const event = await ctx.fal.reconciler.resolve(
      phase.doubt,
      () => ctx.stop.reason(),
      ctx.stop.signal,
      waiting,
    );
    if (event.kind === "found") {
      ctx.state.journal?.appendNow({
        type: "submitted",
        key: job.key,
        job: job.id,
        request: event.request,
        endpoint: job.endpoint.id,
        ...seedOf(job),
      });
      this.timings = { submittedAt: phase.doubt.since };
      this.log.info(
        { requestId: event.request },
        "found in fal's request history: following it, not sending again",
      );
    } else if (event.kind === "absent")
      this.log.warn(
        { notAfter: new Date(phase.doubt.notAfter).toISOString() },
        "not in fal's request history once fal could no longer hold it: fal never accepted it",
      );
    return event;
  }

  /** Starts fetching a completed request's result (kept in `prefetched`). */
  prefetch(request: string, errorType: string | undefined): void {
    const { ctx, job } = this;
    const result = this.retrying(
      "result",
      async () => {
        const r = await ctx.fal.client.result(job.endpoint.id, this.ref(request));
        // Refused before it is journaled or any of it written (a permanent error naming the rule).
        checkResultImages(r.data, job.expectedImages.max, ctx.fal.target);
        return r;
      },
      errorType,
    );
    this.prefetched = {
      request,
      result: result.then(async (r): Promise<ResultEvent> => {
        if (!("stage" in r)) return { kind: "fetched", data: r.data };
        // fal no longer serves the result: its request history may still have the output.
        if ("status" in r && r.status === 404) return resultOf(await this.lookUp(request), r);
        return { kind: "error", error: r };
      }),
    };
  }

  /** What fal's request history says of a request whose status or result fal no longer serves. */
  lookUp(request: string): Promise<LostRequest> {
    return lookUpFor(this.ctx.fal, this.ctx.stop.signal, this.job.endpoint.id, this.log, request);
  }

  /** The result of a completed request: the one prefetched, or asked for now. */
  fetchResult(phase: Extract<JobPhase, { kind: "completed" }>): Promise<ResultEvent> {
    const ready = this.prefetched;
    this.prefetched = undefined;
    if (ready?.request === phase.request && !phase.again) return ready.result;
    this.prefetch(phase.request, phase.again ? undefined : phase.errorType);
    return this.fetchResult({ ...phase, again: false });
  }

  /**
   * Delivers every image of a result: downloaded, checked whole, hashed and its original kept,
   * then journaled with the recipe of its outputs (`kept`); each image retried on its own, never
   * a new submit. Rendering is not part of it: fal's window never waits for the CPU.
   */
  async deliver(phase: Extract<JobPhase, { kind: "delivering" }>): Promise<DeliveryEvent> {
    const { ctx, job } = this;
    const { request, result: data } = phase;
    let images: FalImageClaims[];
    try {
      // A result replayed from the journal passes the same checks as one fal just sent.
      checkResultImages(data, job.expectedImages.max, ctx.fal.target);
      images = resultImages(data);
    } catch (error) {
      return {
        kind: "error",
        error: { stage: "result", class: "permanent", kind: "output", message: (error as Error).message },
      };
    }
    const rawSeed = (data as { seed?: unknown }).seed;
    const seed = typeof rawSeed === "number" ? rawSeed : undefined;
    const kept: PendingRender[] = [];
    for (const [i, claims] of images.entries()) {
      const delivery = deliveryFor(job, i + 1, request, seed, ctx.clock.now());
      const options = {
        fetch: ctx.fal.downloadFetch,
        checkUrl: (url: string) => checkResultUrl(url, ctx.fal.target),
      };
      const image = await this.retrying("download", () =>
        ctx.pools.io(async () => {
          try {
            return await keepImage(ctx.state.outputDir, claims, ctx.pools.cpu, options);
          } catch (error) {
            // A full or read-only disk stops the submits now, not when this job gives up.
            const unwritable = unwritableCause(error);
            if (unwritable !== undefined) ctx.stop.unwritable(unwritable);
            const message = `image ${i + 1}: ${(error as Error).message}`;
            // A refused URL stays refused (permanent): downloading it again would be refused again.
            if (error instanceof FalAnswerRefusedError) throw new FalAnswerRefusedError(error.rule, message);
            throw new Error(message);
          }
        }),
      );
      if ("stage" in image) return { kind: "error", error: { ...image, kind: "output" } };
      // Journaled with the kept image below; the file is the bytes fal sent.
      if (image.claimsDiffer)
        this.log.warn(
          { request, n: i + 1, differs: image.claimsDiffer },
          "fal's stated type or size is not the downloaded image's: kept as the bytes are",
        );
      const recipe = recipeOf(delivery, job.id, job.output.settingsKey, image.original.ext);
      const pending: PendingRender = Object.assign({ n: i + 1, recipe }, image);
      await ctx.state.journal?.append({ type: "kept", key: job.key, request, ...pending });
      kept.push(pending);
    }
    return { kind: "delivered", images: kept, ...(seed === undefined ? {} : { seed }) };
  }

  /**
   * The job's outcome, with its attempts, retries and timings. Made with Object.assign, not
   * spreads: V8 gives each object spread from another a hidden class of its own (a map and its
   * descriptors, about 400 bytes), and every outcome is kept to the end of the run, for the
   * report: at 3,000 jobs the heap held 9,000 such classes.
   */
  finish<F extends EndedFields>(outcome: F): F & Pick<TriedOutcome, "attempts" | "retries" | "timings"> {
    const timings: JobTimings = Object.assign({}, this.timings, { finishedAt: this.ctx.clock.now() });
    return Object.assign({}, outcome, { attempts: this.attempts, retries: this.retries, timings });
  }
}

/** The seed a job's input sends, for the journal's `submitted` line. */
function seedOf(job: Job): { seed?: number } {
  return typeof job.input.seed === "number" ? { seed: job.input.seed } : {};
}
