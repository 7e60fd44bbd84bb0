import { describeFalError, type FalFailure, type FalStatus } from "../fal/index.js";
import { type SavedImage, saveResultImage } from "../outputs/index.js";
import { builtinVariables, falInput, type Job, renderOutputPath } from "../plan/index.js";
import type { JobContext } from "./job-context.js";
import type { AttemptRecord, JobError, JobOutcome, RetryRecord } from "./job-outcome.js";
import { backoffMs, classify, type FailureFacts, needsResubmit, type Stage } from "./retry-policy.js";
import { waitForCompletion } from "./wait-for-completion.js";

type Timings = { submittedAt?: number; startedAt?: number; completedAt?: number };
/** 429s one step may meet before its job fails: high, since each waited for the gate. */
const MAX_RATE_LIMITED = 100;

/** Why a wait at fal was cut short: this job's timeout, or the run stopping (deadline, signal). */
type StopReason = { readonly kind: "timeout" | "stop"; readonly message: string };

/** `300 ms`, `90 s`, `10 min`: a duration for a message. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
type Ended = Extract<JobOutcome, { status: "succeeded" | "failed" | "canceled" }>;
/** An ended outcome without what JobRun adds itself. */
type EndedFields = Ended extends unknown
  ? DistributiveOmit<Ended, "attempts" | "retries" | "timings">
  : never;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** How the part of a job that holds a fal slot ended. */
type Followed =
  | {
      readonly kind: "completed";
      readonly requestId: string;
      readonly final: FalStatus & { status: "COMPLETED" };
    }
  | { readonly kind: "failed"; readonly requestId?: string; readonly error: JobError }
  | { readonly kind: "canceled"; readonly requestId: string; readonly reason: string }
  | { readonly kind: "not_run"; readonly reason: string };

function jobError(stage: Stage, failure: FalFailure, errorType?: string): JobError {
  const facts: FailureFacts = { stage, failure, ...(errorType === undefined ? {} : { errorType }) };
  return { ...failure, stage, class: classify(facts), ...(errorType === undefined ? {} : { errorType }) };
}

function resultImages(data: unknown): string[] {
  const images = (data as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) throw new Error("fal's result has no `images` list");
  return images.map((img, i) => {
    const url = (img as { url?: unknown } | null)?.url;
    if (typeof url !== "string") throw new Error(`fal's result image ${i} has no url`);
    return url;
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

  /** Submits and follows the request to COMPLETED, holding a fal slot the whole time. */
  async submitAndFollow(): Promise<Followed> {
    const { ctx, job } = this;
    const stopped = ctx.stopReason();
    if (stopped !== undefined) return { kind: "not_run", reason: stopped };
    const submitted = await this.retrying("submit", () =>
      ctx.client.submit(job.endpoint.id, falInput(job, this.imageUrls), {
        ...(ctx.startTimeoutS === undefined ? {} : { startTimeoutS: ctx.startTimeoutS }),
      }),
    );
    if (typeof submitted !== "string") return { kind: "failed", error: submitted };
    const requestId = submitted;
    const submittedAt = ctx.clock.now();
    this.timings = { submittedAt };
    ctx.controller.submitted(requestId, submittedAt);
    await ctx.hooks.submitted?.(job, requestId, submittedAt);
    const rlog = this.log.child({ requestId });
    rlog.info("submitted");

    const abort = new AbortController();
    const entry = {
      requestId,
      state: "queued" as "queued" | "running",
      abort: (message: string) => abort.abort({ kind: "stop", message } satisfies StopReason),
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
          return { kind: "completed", requestId, final };
        } catch (error) {
          if (abort.signal.aborted) return await this.#cancel(requestId, abort.signal.reason as StopReason);
          const failure = describeFalError(error);
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

  async #cancel(requestId: string, reason: StopReason): Promise<Followed> {
    const { ctx, job } = this;
    try {
      await ctx.client.cancel(job.endpoint.id, requestId);
    } catch (error) {
      this.log.warn({ requestId, cause: describeFalError(error).message }, "cancel failed");
    }
    ctx.controller.finished(requestId, ctx.clock.now(), false);
    ctx.changed();
    this.log.warn({ requestId, reason: reason.message }, "canceled at fal");
    if (reason.kind === "timeout")
      return {
        kind: "failed",
        requestId,
        error: { stage: "timeout", class: "permanent", kind: "timeout", message: reason.message },
      };
    return { kind: "canceled", requestId, reason: reason.message };
  }

  /** Downloads, checks and writes every image of a result; each download retried on its own. */
  async save(data: unknown): Promise<SavedImage[] | JobError> {
    let urls: string[];
    try {
      urls = resultImages(data);
    } catch (error) {
      return { stage: "result", class: "permanent", kind: "output", message: (error as Error).message };
    }
    const outputs: SavedImage[] = [];
    for (const [i, url] of urls.entries()) {
      const pathFor = (ext: string) => {
        const path = renderOutputPath(
          this.job.outputPath,
          this.job.row,
          builtinVariables(this.job),
          i + 1,
          ext,
        );
        if (typeof path !== "string") throw new Error(`output path needs {{${path.missing}}}`);
        return path;
      };
      const options = this.ctx.downloadFetch ? { fetch: this.ctx.downloadFetch } : {};
      const saved = await this.retrying("download", () =>
        this.ctx.io(async () => {
          try {
            return await saveResultImage(url, this.ctx.outputDir, pathFor, options);
          } catch (error) {
            throw new Error(`image ${i + 1}: ${(error as Error).message}`);
          }
        }),
      );
      if ("stage" in saved) return { ...saved, kind: "output" };
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
 * Runs one job through fal's queue. Submit and the wait for completion hold a fal slot; the
 * result and the downloads do not. A failed status call, result call or download is retried on
 * the same request; only a request that fal reports failed for a retryable cause is sent again.
 */
export async function runJob(job: Job, ctx: JobContext): Promise<JobOutcome> {
  const urls = imageUrls(job, ctx);
  if (!Array.isArray(urls)) {
    const stopped = ctx.stopReason();
    if (stopped !== undefined) return { status: "not_run", reason: stopped };
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
  for (let resubmits = 0; ; resubmits++) {
    const followed = await ctx.slot(() => run.submitAndFollow());
    if (followed.kind === "not_run")
      return run.attempts.length === 0
        ? { status: "not_run", reason: followed.reason }
        : run.finish({ status: "canceled", imageUrls: urls, reason: followed.reason });
    if (followed.kind === "failed") {
      if (followed.requestId)
        run.attempts.push({
          requestId: followed.requestId,
          submittedAt: run.timings.submittedAt ?? 0,
          outcome: "failed",
          cause: followed.error.message,
        });
      return run.finish({
        status: "failed",
        ...(followed.requestId ? { requestId: followed.requestId } : {}),
        imageUrls: urls,
        error: followed.error,
      });
    }
    const { requestId } = followed;
    const submittedAt = run.timings.submittedAt ?? 0;
    if (followed.kind === "canceled") {
      run.attempts.push({ requestId, submittedAt, outcome: "canceled", cause: followed.reason });
      return run.finish({ status: "canceled", requestId, imageUrls: urls, reason: followed.reason });
    }
    const errorType = followed.final.errorType;
    const result = await run.retrying(
      "result",
      () => ctx.client.result(job.endpoint.id, requestId),
      errorType,
    );
    if ("stage" in result) {
      const facts = {
        stage: "result" as const,
        failure: result as FalFailure,
        ...(errorType ? { errorType } : {}),
      };
      if (needsResubmit(facts) && resubmits < ctx.retry.maxResubmits && ctx.stopReason() === undefined) {
        run.attempts.push({ requestId, submittedAt, outcome: "resubmitted", cause: result.message });
        run.log.warn(
          { requestId, cause: result.message },
          "fal reports the request failed; sending a new one",
        );
        continue;
      }
      run.attempts.push({ requestId, submittedAt, outcome: "failed", cause: result.message });
      return run.finish({ status: "failed", requestId, imageUrls: urls, error: result });
    }
    const saved = await run.save(result.data);
    if (!Array.isArray(saved)) {
      run.attempts.push({ requestId, submittedAt, outcome: "failed", cause: saved.message });
      return run.finish({ status: "failed", requestId, imageUrls: urls, error: saved });
    }
    run.attempts.push({ requestId, submittedAt, outcome: "succeeded" });
    const seed = (result.data as { seed?: unknown }).seed;
    run.log.info({ requestId, images: saved.length }, "job succeeded");
    return run.finish({
      status: "succeeded",
      requestId,
      imageUrls: urls,
      outputs: saved,
      ...(typeof seed === "number" ? { seed } : {}),
    });
  }
}
