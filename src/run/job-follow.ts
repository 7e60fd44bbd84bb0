import { describeFalError, type FalStatus, StreamSilentError } from "../fal/index.js";
import type { FalFailure } from "../model/failure.js";
import type { FollowEvent } from "./job-machine.js";
import { heldByOutage, type JobSteps, jobError } from "./job-steps.js";
import { resultOf } from "./lost-request.js";
import { retryCall } from "./retry-call.js";
import { backoffMs } from "./retry-policy.js";
import { waitForCompletion } from "./wait-for-completion.js";

/**
 * Why a wait at fal was cut short: this job's timeout (cancel at fal, the job fails), the run
 * stopping (deadline: cancel at fal), or the run being interrupted (detach: the request goes
 * on at fal and the next run picks it up from the journal).
 */
type StopReason = { readonly kind: "timeout" | "stop" | "detach"; readonly message: string };

/** Node's timers hold at most 2^31-1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `300 ms`, `90 s`, `10 min`: a duration for a message. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Ends a wait cut short: detach, or cancel the request at fal. */
async function stopFollowing(steps: JobSteps, requestId: string, reason: StopReason): Promise<FollowEvent> {
  const { ctx, job } = steps;
  ctx.pools.slots.controller.finished(requestId, ctx.clock.now(), false);
  ctx.pools.slots.changed();
  if (reason.kind === "detach") return { kind: "detached", reason: reason.message };
  try {
    // Retried by the run's layer (the client does not), not cut short by the stop that asked for it.
    const retry = { clock: ctx.clock, random: ctx.random, policy: ctx.limits.retry };
    await retryCall("status", () => ctx.fal.client.cancel(job.endpoint.id, steps.ref(requestId)), retry);
  } catch (error) {
    steps.log.warn({ requestId, cause: describeFalError(error).message }, "cancel failed");
  }
  steps.log.warn({ requestId, reason: reason.message }, "canceled at fal");
  if (reason.kind === "timeout")
    return {
      kind: "error",
      error: { stage: "timeout", class: "permanent", kind: "timeout", message: reason.message },
    };
  return { kind: "canceled", reason: reason.message };
}

/**
 * Puts a followed request where the run can reach it (for the deadline and interrupts), arms
 * the job's timeout, and tells the controller each status; `release` undoes it all.
 */
function track(steps: JobSteps, requestId: string) {
  const { ctx, job } = steps;
  const abort = new AbortController();
  const entry = {
    requestId,
    state: "queued" as "queued" | "running",
    abort: (message: string, detach = false) =>
      abort.abort({ kind: detach ? "detach" : "stop", message } satisfies StopReason),
  };
  ctx.limits.inFlight.set(job.id, entry);
  // Without a job timeout, a request still not done past fal's start timeout and the longest
  // run time never will be: whatever fal's status says, the wait ends there.
  const bound = ctx.fal.bounds.startTimeoutS * 1000 + ctx.fal.bounds.maxRunTimeMs;
  const timeoutMs = ctx.limits.jobTimeoutMs ?? bound;
  const message =
    ctx.limits.jobTimeoutMs === undefined
      ? `not completed ${formatMs(timeoutMs)} after submit, past fal's start timeout and the longest run time; canceled at fal`
      : `no result ${formatMs(timeoutMs)} after submit; canceled at fal`;
  const timer = setTimeout(
    () => abort.abort({ kind: "timeout", message } satisfies StopReason),
    Math.min(timeoutMs, MAX_TIMER_MS),
  );
  const onUpdate = (s: FalStatus) => {
    const at = ctx.clock.now();
    if (s.status === "IN_QUEUE") ctx.pools.slots.controller.queued(requestId, at, s.queuePosition);
    else if (s.status === "IN_PROGRESS") {
      entry.state = "running";
      steps.timings.startedAt ??= at;
      ctx.pools.slots.controller.running(requestId, at);
    }
    ctx.pools.slots.changed();
  };
  const release = () => {
    clearTimeout(timer);
    ctx.limits.inFlight.delete(job.id);
  };
  return { signal: abort.signal, onUpdate, release };
}

/** fal said COMPLETED: the controller hears it and the result fetch starts at once (unless `fetch` is false). */
function completedNow(
  steps: JobSteps,
  requestId: string,
  errorType: string | undefined,
  fetch = true,
): FollowEvent {
  const { ctx } = steps;
  const at = ctx.clock.now();
  steps.timings.completedAt = at;
  steps.timings.startedAt ??= at;
  ctx.pools.slots.controller.finished(requestId, at, errorType === undefined);
  ctx.pools.slots.changed();
  // Ask for the result now: once the slot is free the next job's submit takes the turn.
  if (fetch) steps.prefetch(requestId, errorType);
  return { kind: "completed", ...(errorType === undefined ? {} : { errorType }) };
}

/**
 * A request whose status fal no longer serves (404): its request history says whether it ran
 * (its output is delivered, never paid again), failed, or is unknown to fal (sent again).
 */
async function statusGone(steps: JobSteps, requestId: string, gone: FalFailure): Promise<FollowEvent> {
  const { ctx } = steps;
  const lost = await steps.lookUp(requestId);
  if (lost.kind === "unknown" || lost.kind === "no-output" || lost.kind === "unreadable") {
    ctx.pools.slots.controller.finished(requestId, ctx.clock.now(), false);
    ctx.pools.slots.changed();
    if (lost.kind === "unknown") return { kind: "expired" };
    return { kind: "error", error: lost.error };
  }
  const errorType = lost.kind === "failed" ? lost.errorType : undefined;
  const event = completedNow(steps, requestId, errorType, false);
  steps.prefetched = {
    request: requestId,
    result: Promise.resolve(resultOf(lost, jobError("result", gone))),
  };
  return event;
}

/** How a failed status call ends the wait, or undefined when the same request is followed again. */
function statusFailed(
  steps: JobSteps,
  requestId: string,
  failure: FalFailure,
  attempt: number,
): FollowEvent | undefined {
  const { ctx } = steps;
  const e = jobError("status", failure);
  if (e.class === "fatal") ctx.stop.fatal(failure.message);
  if (e.class === "retryable" && attempt < ctx.limits.retry.maxAttempts) return undefined;
  ctx.pools.slots.controller.finished(requestId, ctx.clock.now(), false);
  ctx.pools.slots.changed();
  return { kind: "error", error: e };
}

/**
 * Follows a request (new, or left by an earlier run: `attached`) to COMPLETED, holding a fal
 * slot; the controller hears every status. A failed status call is retried on the same request
 * (a stream that keeps failing gives way to polling). At COMPLETED the result fetch starts at
 * once (`steps.prefetch`), before the slot is given up.
 */
export async function followRequest(
  steps: JobSteps,
  requestId: string,
  attached: boolean,
): Promise<FollowEvent> {
  const { ctx, job } = steps;
  if (attached) {
    const stopped = ctx.stop.reason();
    // A spent budget stops new requests, not the fetching of those already paid for.
    if (stopped !== undefined && !ctx.stop.byBudget()) return { kind: "not-followed", reason: stopped };
    steps.timings = { submittedAt: ctx.clock.now() };
    ctx.pools.slots.controller.submitted(requestId, ctx.clock.now());
    steps.log.info({ requestId }, "re-attached to a request of an earlier run");
  }
  const { signal, onUpdate, release } = track(steps, requestId);
  try {
    // The request's `submitted` line is on disk before the job goes on (a stop meanwhile aborts `signal`).
    await steps.journaled;
    steps.journaled = undefined;
    if (signal.aborted) return await stopFollowing(steps, requestId, signal.reason as StopReason);
    let mode: "stream" | "poll" = "stream";
    for (let attempt = 1; ; attempt++) {
      try {
        const final = await waitForCompletion({
          client: ctx.fal.client,
          clock: ctx.clock,
          endpointId: job.endpoint.id,
          request: steps.ref(requestId),
          onUpdate,
          signal,
          mode,
          meanJobMs: () => ctx.pools.slots.controller.snapshot().meanJobMs,
        });
        return completedNow(steps, requestId, final.errorType);
      } catch (error) {
        if (signal.aborted) return await stopFollowing(steps, requestId, signal.reason as StopReason);
        if (error instanceof StreamSilentError) {
          // The connection went quiet, not the request: poll it, spending no attempt.
          steps.log.warn(
            { requestId, cause: error.message },
            "status stream silent; polling the request instead",
          );
          mode = "poll";
          attempt -= 1;
          continue;
        }
        const failure = describeFalError(error);
        if (heldByOutage(ctx, "status", failure)) {
          // The gate holds the next call until fal answers: this wait spends no attempt.
          attempt -= 1;
          continue;
        }
        if (failure.status === 404) return await statusGone(steps, requestId, failure);
        const ended = statusFailed(steps, requestId, failure, attempt);
        if (ended) return ended;
        // A stream that keeps failing (a proxy without SSE) gives way to polling.
        if (attempt >= 2) mode = "poll";
        steps.retries.push({ stage: "status", attempt, cause: failure.message, at: ctx.clock.now() });
        steps.log.warn(
          { requestId, attempt, cause: failure.message, mode },
          "status failed; following the same request again",
        );
        await ctx.clock.sleep(backoffMs(attempt, ctx.random, ctx.limits.retry), signal);
      }
    }
  } finally {
    release();
  }
}
