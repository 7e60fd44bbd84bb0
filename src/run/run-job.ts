import type { JobError } from "../model/failure.js";
import type { JobOutcome, OutcomeFor } from "../model/job-outcome.js";
import { type EndPhase, isEnd, type JobPhase } from "../model/job-phase.js";
import type { Job } from "../plan/index.js";
import type { FalSlots, JobContext } from "./job-context.js";
import { followRequest } from "./job-follow.js";
import {
  afterDelivery,
  afterFollow,
  afterReconcile,
  afterResult,
  afterSubmit,
  type Facts,
  spendsResubmit,
} from "./job-machine.js";
import { imageUrls, JobSteps } from "./job-steps.js";

/** What ending a job that sent nothing in this run needs: the time, and where to say it. */
type Tools = Pick<JobContext, "clock" | "logger">;

/** An end phase of kind `K`. */
type EndOf<K extends EndPhase["kind"]> = Extract<EndPhase, { kind: K }>;

/** Takes one of the run's fal slots and holds it until the returned release is called. */
function lease(slots: FalSlots): Promise<() => void> {
  return new Promise((acquired) => {
    void slots.slot(() => new Promise<void>((release) => acquired(release)));
  });
}

/** Performs the step `phase` calls for and decides, from what it met, the next phase. */
async function step(phase: JobPhase, steps: JobSteps, facts: Facts): Promise<JobPhase> {
  switch (phase.kind) {
    case "to-submit":
      // Its inputs could not be uploaded (it began in doubt, and was never accepted).
      // (Once the run stopped, the submit says so instead: nothing was uploaded for a spent budget.)
      if (steps.uploadError && steps.ctx.stop.reason() === undefined)
        return { kind: "failed", error: steps.uploadError };
      return afterSubmit(await steps.submit(), facts);
    case "submitted":
      return afterFollow(phase, await followRequest(steps, phase.request, phase.attached), facts);
    case "completed":
      return afterResult(phase, await steps.fetchResult(phase), facts);
    case "delivering":
      return afterDelivery(phase, await steps.deliver(phase), facts);
    case "reconciling":
      return afterReconcile(phase, await steps.reconcile(phase), facts);
    case "submitting":
      // Resolved when the run starts (see `decideStart`); never a phase a run is in.
      return { kind: "in-doubt", lasting: true, reason: "its earlier submit was cut off" };
    default:
      return phase;
  }
}

/** Journals and records what a transition that does not end the job means. */
async function record(from: JobPhase, to: JobPhase, steps: JobSteps): Promise<void> {
  const { ctx, job } = steps;
  if (to.kind === "to-submit" && to.replaces) {
    const { request, gone } = to.replaces;
    steps.attempts.push({
      requestId: request,
      submittedAt: steps.timings.submittedAt ?? ctx.clock.now(),
      outcome: "resubmitted",
      ...(to.note === undefined ? {} : { cause: to.note }),
    });
    if (gone) {
      await ctx.state.journal?.append({ type: "expired", key: job.key, request });
      steps.log.warn({ requestId: request }, "fal no longer knows the request; sending a new one");
    } else steps.log.warn({ requestId: request, cause: to.note }, "sending a new request");
  }
  if (to.kind === "delivering" && from.kind === "completed")
    await ctx.state.journal?.append({
      type: "completed",
      key: job.key,
      request: to.request,
      result: to.result,
    });
}

/** When the job's current request was sent (or now, when none was in this run). */
const sentAt = (steps: JobSteps) => steps.timings.submittedAt ?? steps.ctx.clock.now();

async function succeeded(phase: EndOf<"done">, steps: JobSteps): Promise<OutcomeFor<"done">> {
  const { ctx, job } = steps;
  await ctx.state.journal?.append({ type: "done", key: job.key, request: phase.request });
  ctx.stop.budget?.settle(job, phase.images.length);
  steps.attempts.push({ requestId: phase.request, submittedAt: sentAt(steps), outcome: "succeeded" });
  steps.log.info({ requestId: phase.request, images: phase.images.length }, "job succeeded");
  return steps.finish({
    status: "succeeded",
    requestId: phase.request,
    imageUrls: steps.imageUrls,
    outputs: [],
    unrendered: phase.images,
    ...(phase.seed === undefined ? {} : { seed: phase.seed }),
  });
}

/**
 * A job whose last try failed. `failed`: for a permanent cause, it stays failed until
 * `--retry-failed` (logged at error level). `unfinished`: the cause may pass, so the next run
 * takes it up by itself, re-attaching to `request` (logged at warn level, for cron).
 */
async function ended<S extends "failed" | "unfinished">(
  status: S,
  error: JobError,
  request: string | undefined,
  steps: JobSteps,
): Promise<Extract<JobOutcome, { status: S }>> {
  const { ctx, job } = steps;
  if (request)
    steps.attempts.push({
      requestId: request,
      submittedAt: sentAt(steps),
      outcome: status,
      cause: error.message,
    });
  const what = { key: job.key, cause: error.message, class: error.class, ...(request ? { request } : {}) };
  await ctx.state.journal?.append(
    status === "failed" ? { type: "failed", ...what } : { type: "unfinished", stage: error.stage, ...what },
  );
  // A request left at fal may still be billed: it stays spent at its most.
  if (status === "unfinished" && request) ctx.stop.budget?.keep(job);
  else ctx.stop.budget?.settle(job, 0);
  const fields = { requestId: request, stage: error.stage, class: error.class, cause: error.message };
  if (status === "failed") steps.log.error(fields, "job failed (--retry-failed sends it again)");
  else
    steps.log.warn(
      fields,
      request
        ? "job unfinished: the next run re-attaches to its request"
        : "job unfinished: the next run sends it",
    );
  const outcome = steps.finish({
    status,
    ...(request ? { requestId: request } : {}),
    imageUrls: steps.imageUrls,
    error,
  });
  // It has the status it was given: TypeScript does not follow the generic `S` through Extract.
  return outcome as Extract<JobOutcome, { status: S }>;
}

async function canceled(
  reason: string,
  request: string | undefined,
  steps: JobSteps,
): Promise<OutcomeFor<"canceled">> {
  const { ctx, job } = steps;
  if (request) {
    steps.attempts.push({
      requestId: request,
      submittedAt: sentAt(steps),
      outcome: "canceled",
      cause: reason,
    });
    await ctx.state.journal?.append({ type: "canceled", key: job.key, request, cause: reason });
  }
  ctx.stop.budget?.settle(job, 0);
  return steps.finish({
    status: "canceled",
    ...(request ? { requestId: request } : {}),
    imageUrls: steps.imageUrls,
    reason,
  });
}

/**
 * A job whose submit is in doubt at the end of its run. Not `lasting`: unfinished, the journal
 * left as it is (its `submitting` line), so the next run goes on reconciling it. `lasting`
 * (nothing can find it): failed until `--retry-failed`, which sends it again.
 */
async function inDoubt(
  phase: EndOf<"in-doubt">,
  ctx: Tools,
  job: Job,
  steps?: JobSteps,
): Promise<OutcomeFor<"in-doubt">> {
  const error: JobError = {
    stage: "submit",
    class: phase.lasting ? "permanent" : "retryable",
    kind: "in-doubt",
    message: phase.reason,
  };
  const log = steps?.log ?? ctx.logger.child({ job: job.id });
  // The journal keeps its `submitting` line (the doubt): a later run, or --retry-failed, looks
  // it up again before anything is sent.
  if (phase.lasting) {
    log.error(
      { stage: "submit", class: error.class, cause: phase.reason },
      "job failed: its submit is in doubt",
    );
  } else log.warn({ stage: "submit", cause: phase.reason }, "job unfinished: in doubt, being reconciled");
  const status = phase.lasting ? ("failed" as const) : ("unfinished" as const);
  if (steps) return steps.finish({ status, imageUrls: steps.imageUrls, error });
  const timings = { finishedAt: ctx.clock.now() };
  return { status, imageUrls: [], error, attempts: [], retries: [], timings };
}

/** The ends a job can start in (decided from what earlier runs left; see `decideStart`). */
type StartEnd = "up-to-date" | "in-doubt" | "unfinished" | "not-run";

/** The outcome of a job that sent nothing in this run, by the end it starts in. */
const BEFORE = {
  "up-to-date": async (phase): Promise<OutcomeFor<"up-to-date">> => ({
    status: "skipped",
    reason: phase.reason,
    requestId: phase.request,
    outputs: phase.images,
    ...(phase.unrendered?.length ? { unrendered: phase.unrendered } : {}),
  }),
  "in-doubt": (phase, ctx, job) => inDoubt(phase, ctx, job),
  unfinished: async (phase): Promise<OutcomeFor<"unfinished">> => ({
    status: "not_run",
    reason: phase.reason,
    ...(phase.request ? { requestId: phase.request } : {}),
  }),
  "not-run": async (phase): Promise<OutcomeFor<"not-run">> => ({ status: "not_run", reason: phase.reason }),
} satisfies { readonly [K in StartEnd]: (phase: EndOf<K>, ctx: Tools, job: Job) => Promise<OutcomeFor<K>> };

/** The outcome of a job that starts in an end (it sends nothing in this run). */
async function endedBefore(phase: EndPhase, ctx: Tools, job: Job): Promise<JobOutcome> {
  if (!(phase.kind in BEFORE)) throw new Error(`a job cannot start ${phase.kind}`);
  const before = BEFORE[phase.kind as StartEnd] as (p: EndPhase, ctx: Tools, job: Job) => Promise<JobOutcome>;
  return before(phase, ctx, job);
}

/**
 * How each end is journaled and turned into the outcome the report shows. Each may return only
 * the statuses the vocabulary lists for its phase (`OutcomeFor`), so the table in
 * `model/job-phase.ts` and what is done here cannot drift apart.
 */
const ENDS = {
  done: succeeded,
  failed: (phase, steps) => ended("failed", phase.error, phase.request, steps),
  canceled: (phase, steps) => canceled(phase.reason, phase.request, steps),
  unfinished: (phase, steps) =>
    phase.error ? ended("unfinished", phase.error, phase.request, steps) : BEFORE.unfinished(phase),
  "in-doubt": (phase, steps) => inDoubt(phase, steps.ctx, steps.job, steps),
  "not-run": BEFORE["not-run"],
  "up-to-date": BEFORE["up-to-date"],
} satisfies {
  readonly [K in EndPhase["kind"]]: (phase: EndOf<K>, steps: JobSteps) => Promise<OutcomeFor<K>>;
};

/** Journals how the job ended and turns its end phase into the outcome the report shows. */
function end(phase: EndPhase, steps: JobSteps): Promise<JobOutcome> {
  // One call for every kind: TypeScript cannot tie `ENDS[phase.kind]` to `phase` by itself.
  const ending = ENDS[phase.kind] as (p: EndPhase, steps: JobSteps) => Promise<JobOutcome>;
  return ending(phase, steps);
}

/**
 * Runs one job from where an earlier run left it (`start`) to an end, one transition at a
 * time: the step a phase calls for (`job-steps.ts`), then the machine's decision on what it
 * met (`job-machine.ts`). The submit and the wait at fal hold one of the run's fal slots; the
 * result and the downloads do not. A failed status call, result call or download is retried
 * on the same request; a new request is sent only when fal reports the request failed for a
 * retryable cause, or no longer knows it.
 */
export async function runJob(
  job: Job,
  ctx: JobContext,
  start: JobPhase = { kind: "to-submit" },
): Promise<JobOutcome> {
  if (isEnd(start)) return endedBefore(start, ctx, job);
  // A job that starts delivering sends again only when fal no longer serves its result: its
  // inputs are uploaded for that, but one missing is not the job's failure.
  const resolved = imageUrls(job, ctx.state.uploads);
  const urls = start.kind === "delivering" && !Array.isArray(resolved) ? [] : resolved;
  // A submit in doubt is looked up all the same: fal may have it, paid. So is a request an
  // earlier run left, when the budget could pay for no new one (nothing was uploaded then).
  const followsAnyway = start.kind === "reconciling" || (start.kind === "submitted" && ctx.stop.byBudget());
  if (!Array.isArray(urls) && !followsAnyway) {
    const stopped = ctx.stop.reason();
    if (stopped !== undefined) return { status: "not_run", reason: stopped };
    return end({ kind: "failed", error: urls }, new JobSteps(job, ctx, []));
  }
  const steps = new JobSteps(
    job,
    ctx,
    Array.isArray(urls) ? urls : [],
    Array.isArray(urls) ? undefined : urls,
  );
  if (start.kind === "submitted" || start.kind === "delivering") steps.locate(start.request, start.urls);
  let phase: JobPhase = start;
  let resubmits = 0;
  let slot: (() => void) | undefined;
  try {
    while (!isEnd(phase)) {
      const atFal = phase.kind === "to-submit" || phase.kind === "submitted";
      if (atFal && !slot) slot = await lease(ctx.pools.slots);
      if (!atFal && slot) {
        slot();
        slot = undefined;
      }
      const facts: Facts = {
        resubmitsLeft: resubmits < ctx.limits.retry.maxResubmits,
        earlier: steps.attempts.length,
        stopped: ctx.stop.reason(),
        sendInDoubt: ctx.limits.sendInDoubt,
      };
      const next = await step(phase, steps, facts);
      if (spendsResubmit(phase, next)) resubmits += 1;
      await record(phase, next, steps);
      phase = next;
    }
  } finally {
    slot?.();
  }
  return end(phase, steps);
}
