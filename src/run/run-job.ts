import { describeFalError, type FalFailure, type FalStatus } from "../fal/index.js";
import { deliverImage, type FalImageClaims, type SavedImage } from "../outputs/index.js";
import { falInput, type Job } from "../plan/index.js";
import { deliveryFor, imageRecord } from "./delivery.js";
import type { JobContext } from "./job-context.js";
import type { AttemptRecord, JobError, JobOutcome, RetryRecord } from "./job-outcome.js";
import type { Start } from "./resume.js";
import { backoffMs, classify, type FailureFacts, needsResubmit, type Stage } from "./retry-policy.js";
import { waitForCompletion } from "./wait-for-completion.js";

type Timings = { submittedAt?: number; startedAt?: number; completedAt?: number };
type Ended = Extract<JobOutcome, { status: "succeeded" | "failed" | "canceled" }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An ended outcome without what JobRun adds itself. */
type EndedFields = DistributiveOmit<Ended, "attempts" | "retries" | "timings">;

/**
 * Why a wait at fal was cut short: this job's timeout (cancel at fal, the job fails), the run
 * stopping (deadline: cancel at fal), or the run being interrupted (detach: the request goes
 * on at fal and the next run picks it up from the journal).
 */
type StopReason = { readonly kind: "timeout" | "stop" | "detach"; readonly message: string };

/** 429s one step may meet before its job fails: high, since each waited for the gate. */
const MAX_RATE_LIMITED = 100;

/** How the part of a job that holds a fal slot ended. */
type Followed =
  | {
      readonly kind: "completed";
      readonly requestId: string;
      readonly final: FalStatus & { status: "COMPLETED" };
      /** The result fetch, started the moment COMPLETED was seen (before the slot is given up). */
      readonly result: Promise<{ data: unknown } | JobError>;
    }
  | { readonly kind: "failed"; readonly requestId?: string; readonly error: JobError }
  | { readonly kind: "canceled"; readonly requestId: string; readonly reason: string }
  | { readonly kind: "detached"; readonly requestId: string; readonly reason: string }
  | { readonly kind: "expired"; readonly requestId: string }
  | { readonly kind: "not_run"; readonly reason: string };

/** `300 ms`, `90 s`, `10 min`: a duration for a message. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

function jobError(stage: Stage, failure: FalFailure, errorType?: string): JobError {
  const facts: FailureFacts = { stage, failure, ...(errorType === undefined ? {} : { errorType }) };
  return { ...failure, stage, class: classify(facts), ...(errorType === undefined ? {} : { errorType }) };
}

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

/** One job's run: its attempts, retries and timings as they happen. */
class JobRun {
  readonly attempts: AttemptRecord[] = [];
  readonly retries: RetryRecord[] = [];
  timings: Timings = {};
  readonly log;

  constructor(
    readonly job: Job,
    readonly ctx: JobContext,
    readonly imageUrls: readonly string[],
  ) {
    this.log = ctx.logger.child({ job: job.id });
  }

  /** Runs `step` up to the policy's attempts, backing off between; permanent and fatal failures end at once. */
  async retrying<T>(stage: Stage, step: () => Promise<T>, errorType?: string): Promise<T | JobError> {
    // A 429 is back-pressure, not a failure of the job: the gate already held every call until
    // fal's Retry-After, so it does not use up an attempt (bounded apart, to stay finite).
    let rateLimited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const failure = describeFalError(error);
        const e = jobError(stage, failure, errorType);
        if (e.class === "fatal") this.ctx.onFatal(failure.message);
        if (failure.status === 429 && rateLimited < MAX_RATE_LIMITED && this.ctx.stopReason() === undefined) {
          rateLimited += 1;
          attempt -= 1;
          continue;
        }
        if (
          e.class !== "retryable" ||
          attempt >= this.ctx.retry.maxAttempts ||
          this.ctx.stopReason() !== undefined
        )
          return e;
        this.retries.push({ stage, attempt, cause: failure.message, at: this.ctx.clock.now() });
        this.log.warn({ stage, attempt, cause: failure.message }, "retrying");
        await this.ctx.clock.sleep(backoffMs(attempt, this.ctx.random, this.ctx.retry));
      }
    }
  }

  /** Submits a new request, journals it the moment fal answers, then follows it. */
  async submitAndFollow(): Promise<Followed> {
    const { ctx, job } = this;
    const stopped = ctx.stopReason();
    if (stopped !== undefined) return { kind: "not_run", reason: stopped };
    if (ctx.budget && !ctx.budget.reserve(job))
      return { kind: "not_run", reason: "not submitted: the budget is spent" };
    // On disk before the request leaves: a run killed during the submit knows it may have paid.
    ctx.journal?.appendNow({ type: "submitting", key: job.key, job: job.id });
    const submitted = await this.retrying("submit", () =>
      ctx.client.submit(job.endpoint.id, falInput(job, this.imageUrls), {
        ...(ctx.startTimeoutS === undefined ? {} : { startTimeoutS: ctx.startTimeoutS }),
      }),
    );
    if (typeof submitted !== "string") {
      ctx.budget?.settle(job, 0);
      return { kind: "failed", error: submitted };
    }
    const submittedAt = ctx.clock.now();
    // Before anything else: a run killed from here on must find this request, not pay again.
    ctx.journal?.appendNow({
      type: "submitted",
      key: job.key,
      job: job.id,
      request: submitted,
      endpoint: job.endpoint.id,
    });
    ctx.controller.submitted(submitted, submittedAt);
    await ctx.hooks.submitted?.(job, submitted, submittedAt);
    this.log.info({ requestId: submitted }, "submitted");
    return this.follow(submitted, submittedAt);
  }

  /** Follows a request (new or left by an earlier run) to COMPLETED, holding a fal slot. */
  async follow(requestId: string, submittedAt: number, attached = false): Promise<Followed> {
    const { ctx, job } = this;
    this.timings = { submittedAt };
    if (attached) ctx.controller.submitted(requestId, submittedAt);
    const rlog = this.log.child({ requestId });
    const abort = new AbortController();
    const entry = {
      requestId,
      state: "queued" as "queued" | "running",
      abort: (message: string, detach = false) =>
        abort.abort({ kind: detach ? "detach" : "stop", message } satisfies StopReason),
    };
    ctx.inFlight.set(job.id, entry);
    const timer =
      ctx.jobTimeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              abort.abort({
                kind: "timeout",
                message: `no result ${formatMs(ctx.jobTimeoutMs ?? 0)} after submit; canceled at fal`,
              } satisfies StopReason),
            ctx.jobTimeoutMs,
          );
    const onUpdate = (s: FalStatus) => {
      const at = ctx.clock.now();
      if (s.status === "IN_QUEUE") ctx.controller.queued(requestId, at, s.queuePosition);
      else if (s.status === "IN_PROGRESS") {
        entry.state = "running";
        this.timings.startedAt ??= at;
        ctx.controller.running(requestId, at);
      }
      ctx.changed();
    };
    try {
      let mode: "stream" | "poll" = "stream";
      for (let attempt = 1; ; attempt++) {
        try {
          const final = await waitForCompletion({
            client: ctx.client,
            clock: ctx.clock,
            endpointId: job.endpoint.id,
            requestId,
            onUpdate,
            signal: abort.signal,
            mode,
            meanJobMs: () => ctx.controller.snapshot().meanJobMs,
          });
          const at = ctx.clock.now();
          this.timings.completedAt = at;
          this.timings.startedAt ??= at;
          ctx.controller.finished(requestId, at, final.errorType === undefined);
          ctx.changed();
          // Ask for the result now: once the slot is free the next job's submit takes the turn.
          const result = this.retrying(
            "result",
            () => ctx.client.result(job.endpoint.id, requestId),
            final.errorType,
          );
          return { kind: "completed", requestId, final, result };
        } catch (error) {
          if (abort.signal.aborted) return await this.#stop(requestId, abort.signal.reason as StopReason);
          const failure = describeFalError(error);
          // fal no longer knows the request (its record expired): only a new request can finish the job.
          if (failure.status === 404) {
            ctx.controller.finished(requestId, ctx.clock.now(), false);
            return { kind: "expired", requestId };
          }
          const e = jobError("status", failure);
          if (e.class === "fatal") ctx.onFatal(failure.message);
          if (e.class !== "retryable" || attempt >= ctx.retry.maxAttempts) {
            ctx.controller.finished(requestId, ctx.clock.now(), false);
            ctx.changed();
            return { kind: "failed", requestId, error: e };
          }
          // A stream that keeps failing (a proxy without SSE) gives way to polling.
          if (attempt >= 2) mode = "poll";
          this.retries.push({ stage: "status", attempt, cause: failure.message, at: ctx.clock.now() });
          rlog.warn(
            { attempt, cause: failure.message, mode },
            "status failed; following the same request again",
          );
          await ctx.clock.sleep(backoffMs(attempt, ctx.random, ctx.retry), abort.signal);
        }
      }
    } finally {
      if (timer) clearTimeout(timer);
      ctx.inFlight.delete(job.id);
    }
  }

  async #stop(requestId: string, reason: StopReason): Promise<Followed> {
    const { ctx, job } = this;
    ctx.controller.finished(requestId, ctx.clock.now(), false);
    ctx.changed();
    if (reason.kind === "detach") return { kind: "detached", requestId, reason: reason.message };
    try {
      await ctx.client.cancel(job.endpoint.id, requestId);
    } catch (error) {
      this.log.warn({ requestId, cause: describeFalError(error).message }, "cancel failed");
    }
    this.log.warn({ requestId, reason: reason.message }, "canceled at fal");
    if (reason.kind === "timeout")
      return {
        kind: "failed",
        requestId,
        error: { stage: "timeout", class: "permanent", kind: "timeout", message: reason.message },
      };
    return { kind: "canceled", requestId, reason: reason.message };
  }

  /**
   * Delivers every image of a result (download, checks, original kept, outputs, sidecar),
   * journaling each; each image retried on its own, never a new submit.
   */
  async save(requestId: string, data: unknown): Promise<SavedImage[] | JobError> {
    const { ctx, job } = this;
    let images: FalImageClaims[];
    try {
      images = resultImages(data);
    } catch (error) {
      return { stage: "result", class: "permanent", kind: "output", message: (error as Error).message };
    }
    const seed = (data as { seed?: unknown }).seed;
    const outputs: SavedImage[] = [];
    for (const [i, claims] of images.entries()) {
      const delivery = deliveryFor(
        job,
        i + 1,
        requestId,
        typeof seed === "number" ? seed : undefined,
        ctx.clock.now(),
      );
      const options = ctx.downloadFetch ? { fetch: ctx.downloadFetch } : {};
      const saved = await this.retrying("download", () =>
        ctx.io(async () => {
          try {
            return await deliverImage(ctx.outputDir, claims, delivery, ctx.cpu, options);
          } catch (error) {
            throw new Error(`image ${i + 1}: ${(error as Error).message}`);
          }
        }),
      );
      if ("stage" in saved) return { ...saved, kind: "output" };
      await ctx.journal?.append({
        type: "image",
        key: job.key,
        request: requestId,
        ...imageRecord(i + 1, saved, job),
      });
      outputs.push(saved);
    }
    return outputs;
  }

  finish(outcome: EndedFields): JobOutcome {
    const timings = { ...this.timings, finishedAt: this.ctx.clock.now() };
    return { ...outcome, attempts: this.attempts, retries: this.retries, timings };
  }
}

/** Resolves the job's input images: URLs as they are, local files by their upload. */
function imageUrls(job: Job, ctx: JobContext): string[] | JobError {
  const urls: string[] = [];
  for (const ref of job.images) {
    if (ref.kind === "url") {
      urls.push(ref.url);
      continue;
    }
    const uploaded = ctx.uploads.get(ref.sha256);
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
 * Runs one job through fal's queue, from where an earlier run left it (`start`). Submit and the
 * wait for completion hold a fal slot; the result and the downloads do not. A failed status
 * call, result call or download is retried on the same request; a new request is sent only when
 * fal reports the request failed for a retryable cause, or no longer knows it.
 */
export async function runJob(
  job: Job,
  ctx: JobContext,
  start: Start = { kind: "submit" },
): Promise<JobOutcome> {
  if (start.kind === "skip")
    return { status: "skipped", reason: start.reason, requestId: start.request, outputs: start.images };
  if (start.kind === "failed-before") return { status: "not_run", reason: start.reason };
  if (start.kind === "in-doubt") {
    await ctx.journal?.append({ type: "failed", key: job.key, cause: start.reason, class: "in-doubt" });
    const error: JobError = { stage: "submit", class: "permanent", kind: "in-doubt", message: start.reason };
    return {
      status: "failed",
      imageUrls: [],
      error,
      attempts: [],
      retries: [],
      timings: { finishedAt: ctx.clock.now() },
    };
  }
  const log = ctx.logger.child({ job: job.id });
  const journalFailure = (cause: string, klass: string, request?: string) =>
    ctx.journal?.append({
      type: "failed",
      key: job.key,
      cause,
      class: klass,
      ...(request ? { request } : {}),
    });

  // Jobs that only need downloading do not need their inputs uploaded.
  const urls = start.kind === "download" ? [] : imageUrls(job, ctx);
  if (!Array.isArray(urls)) {
    const stopped = ctx.stopReason();
    if (stopped !== undefined) return { status: "not_run", reason: stopped };
    await journalFailure(urls.message, urls.class);
    return {
      status: "failed",
      imageUrls: [],
      error: urls,
      attempts: [],
      retries: [],
      timings: { finishedAt: ctx.clock.now() },
    };
  }
  const run = new JobRun(job, ctx, urls);
  /** Ends the job failed: the attempt, the journal, the budget and the outcome say so. */
  const failed = async (
    requestId: string | undefined,
    error: JobError,
    submittedAt: number,
  ): Promise<JobOutcome> => {
    if (requestId)
      run.attempts.push({
        requestId,
        submittedAt: run.timings.submittedAt ?? submittedAt,
        outcome: "failed",
        cause: error.message,
      });
    await journalFailure(error.message, error.class, requestId);
    ctx.budget?.settle(job, 0);
    return run.finish({ status: "failed", ...(requestId ? { requestId } : {}), imageUrls: urls, error });
  };
  let next: Start = start;
  for (let resubmits = 0; ; ) {
    let requestId: string;
    let result: { data: unknown } | JobError;
    const submittedAt = ctx.clock.now();
    if (next.kind === "download") {
      requestId = next.request;
      result = { data: next.result };
    } else {
      const attachTo = next.kind === "attach" ? next.request : undefined;
      if (attachTo !== undefined && ctx.stopReason() !== undefined)
        return { status: "not_run", reason: ctx.stopReason() ?? "", requestId: attachTo };
      const followed = await ctx.slot(() =>
        attachTo === undefined ? run.submitAndFollow() : run.follow(attachTo, submittedAt, true),
      );
      if (attachTo !== undefined)
        log.info({ requestId: attachTo }, "re-attached to a request of an earlier run");
      if (followed.kind === "not_run")
        return run.attempts.length === 0
          ? { status: "not_run", reason: followed.reason }
          : run.finish({ status: "canceled", imageUrls: urls, reason: followed.reason });
      if (followed.kind === "detached")
        return {
          status: "not_run",
          reason: `${followed.reason}; request ${followed.requestId} goes on at fal and the next run picks it up`,
          requestId: followed.requestId,
        };
      if (followed.kind === "failed")
        return failed(followed.requestId, followed.error, run.timings.submittedAt ?? 0);
      requestId = followed.requestId;
      if (followed.kind === "expired") {
        run.attempts.push({
          requestId,
          submittedAt,
          outcome: "resubmitted",
          cause: "fal no longer knows this request (expired); sent a new one",
        });
        await ctx.journal?.append({ type: "expired", key: job.key, request: requestId });
        log.warn({ requestId }, "fal no longer knows the request; sending a new one");
        if (resubmits++ >= ctx.retry.maxResubmits) {
          const error: JobError = {
            stage: "status",
            class: "permanent",
            kind: "http",
            status: 404,
            message: "fal no longer knows the request",
          };
          return run.finish({ status: "failed", requestId, imageUrls: urls, error });
        }
        next = { kind: "submit" };
        continue;
      }
      if (followed.kind === "canceled") {
        run.attempts.push({
          requestId,
          submittedAt: run.timings.submittedAt ?? submittedAt,
          outcome: "canceled",
          cause: followed.reason,
        });
        await ctx.journal?.append({
          type: "canceled",
          key: job.key,
          request: requestId,
          cause: followed.reason,
        });
        ctx.budget?.settle(job, 0);
        return run.finish({ status: "canceled", requestId, imageUrls: urls, reason: followed.reason });
      }
      const errorType = followed.final.errorType;
      result = await followed.result;
      if (!("stage" in result))
        await ctx.journal?.append({
          type: "completed",
          key: job.key,
          request: requestId,
          result: result.data,
        });
      else if ("status" in result && result.status === 404) {
        next = { kind: "submit" };
        run.attempts.push({
          requestId,
          submittedAt,
          outcome: "resubmitted",
          cause: "fal no longer has this result (expired); sent a new one",
        });
        await ctx.journal?.append({ type: "expired", key: job.key, request: requestId });
        if (resubmits++ >= ctx.retry.maxResubmits)
          return run.finish({ status: "failed", requestId, imageUrls: urls, error: result });
        continue;
      } else {
        const facts = {
          stage: "result" as const,
          failure: result as FalFailure,
          ...(errorType ? { errorType } : {}),
        };
        if (needsResubmit(facts) && resubmits < ctx.retry.maxResubmits && ctx.stopReason() === undefined) {
          resubmits += 1;
          run.attempts.push({
            requestId,
            submittedAt: run.timings.submittedAt ?? submittedAt,
            outcome: "resubmitted",
            cause: result.message,
          });
          log.warn({ requestId, cause: result.message }, "fal reports the request failed; sending a new one");
          next = { kind: "submit" };
          continue;
        }
        return failed(requestId, result, submittedAt);
      }
    }
    const saved = await run.save(requestId, result.data);
    if (!Array.isArray(saved)) {
      if (next.kind === "download" && resubmits < ctx.retry.maxResubmits) {
        // The result an earlier run kept can no longer be fetched: ask fal for it again.
        const id = requestId;
        const again = await run.retrying("result", () => ctx.client.result(job.endpoint.id, id));
        if (!("stage" in again)) {
          next = { kind: "download", request: requestId, result: again.data };
          resubmits += 1;
          continue;
        }
        next = { kind: "submit" };
        resubmits += 1;
        run.attempts.push({
          requestId,
          submittedAt,
          outcome: "resubmitted",
          cause: `the earlier result is gone: ${again.message}`,
        });
        continue;
      }
      return failed(requestId, saved, submittedAt);
    }
    await ctx.journal?.append({ type: "done", key: job.key, request: requestId });
    ctx.budget?.settle(job, saved.length);
    run.attempts.push({
      requestId,
      submittedAt: run.timings.submittedAt ?? submittedAt,
      outcome: "succeeded",
    });
    const seed = (result.data as { seed?: unknown }).seed;
    log.info({ requestId, images: saved.length }, "job succeeded");
    return run.finish({
      status: "succeeded",
      requestId,
      imageUrls: urls,
      outputs: saved,
      ...(typeof seed === "number" ? { seed } : {}),
    });
  }
}
