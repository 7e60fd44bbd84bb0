import type { Doubt } from "../model/doubt.js";
import type { FalFailure, JobError } from "../model/failure.js";
import type { JobPhase } from "../model/job-phase.js";
import type { PendingRender } from "../model/kept-image.js";
import type { ReconcileEvent } from "./reconcile.js";
import { needsResubmit } from "./retry-policy.js";

/**
 * The job's life as transitions: one small pure function per step, deciding the next phase from
 * the current one and what the step met (an event). No IO: `run-job.ts` performs the steps
 * (`job-steps.ts`) and feeds their events here; `job-resume.ts` applies the same rules to what
 * the journal says when a run starts.
 */

/** What the decisions need to know beyond the phase and the event. */
export interface Facts {
  /** New requests this job may still get in this run (fal lost one, or failed it for a cause of its own). */
  readonly resubmitsLeft: boolean;
  /** Requests of this job that ended in this run without finishing it (replaced by a new one). */
  readonly earlier: number;
  /** Why nothing more may be submitted, once the run stops. */
  readonly stopped: string | undefined;
  /** `--retry-failed`: a submit in doubt that fal's history cannot settle is sent again all the same. */
  readonly sendInDoubt: boolean;
}

/** How a submit went. */
export type SubmitEvent =
  | { readonly kind: "accepted"; readonly request: string }
  /** Not sent: the run stopped, or the budget cannot pay for it. */
  | { readonly kind: "not-sent"; readonly reason: string }
  /** The connection broke after the submit left: fal may have accepted it (see `Doubt`). */
  | { readonly kind: "in-doubt"; readonly doubt: Doubt; readonly reason: string }
  | { readonly kind: "error"; readonly error: JobError };

/** How following a request at fal (queue, then run) ended. */
export type FollowEvent =
  | { readonly kind: "completed"; readonly errorType?: string }
  /** Status calls failed for good (or for a permanent cause, or this job's timeout canceled it). */
  | { readonly kind: "error"; readonly error: JobError }
  /** fal no longer knows the request (404). */
  | { readonly kind: "expired" }
  /** Canceled at fal because the run's deadline passed. */
  | { readonly kind: "canceled"; readonly reason: string }
  /** The run was interrupted: the request goes on at fal for the next run. */
  | { readonly kind: "detached"; readonly reason: string }
  /** The run stopped before this job's turn to re-attach. */
  | { readonly kind: "not-followed"; readonly reason: string };

/** How fetching a completed request's result went. */
export type ResultEvent =
  | { readonly kind: "fetched"; readonly data: unknown }
  | { readonly kind: "error"; readonly error: JobError };

/** How keeping a result's images went. */
export type DeliveryEvent =
  | { readonly kind: "delivered"; readonly images: readonly PendingRender[]; readonly seed?: number }
  | { readonly kind: "error"; readonly error: JobError };

/**
 * Where a failure leaves the job: failed for good when its cause is permanent (a 422, content
 * policy, other 4xx, a start timeout); otherwise unfinished, for the next run to take up by
 * itself (re-attaching to `request`, when there is one, before it ever pays again).
 */
export function afterFailure(error: JobError, request?: string): JobPhase {
  if (error.class === "permanent")
    return { kind: "failed", error, ...(request === undefined ? {} : { request }) };
  return { kind: "unfinished", reason: error.message, error, ...(request === undefined ? {} : { request }) };
}

/** A new request in place of `request`, or the job fails with `error` when none is left. */
function resubmitOr(request: string, gone: boolean, note: string, error: JobError, facts: Facts): JobPhase {
  if (!facts.resubmitsLeft) return afterFailure(error, request);
  return { kind: "to-submit", note, replaces: { request, gone } };
}

/** After a submit: follow what fal accepted; a submit that failed ends the job. */
export function afterSubmit(event: SubmitEvent, facts: Facts): JobPhase {
  switch (event.kind) {
    case "accepted":
      return { kind: "submitted", request: event.request, attached: false };
    case "not-sent":
      // After a request of this run (one fal lost or failed), the job was begun: canceled.
      return facts.earlier > 0
        ? { kind: "canceled", reason: event.reason }
        : { kind: "not-run", reason: event.reason };
    case "in-doubt":
      return { kind: "reconciling", doubt: event.doubt, reason: event.reason };
    case "error":
      return afterFailure(event.error);
  }
}

/**
 * After asking fal's request history about a submit in doubt: follow the request fal accepted;
 * send it (fal never accepted it) while the job may have new requests, else leave it unfinished
 * for the next run; or stay in doubt (failed until `--retry-failed` when it cannot be known).
 */
export function afterReconcile(
  phase: Extract<JobPhase, { kind: "reconciling" }>,
  event: ReconcileEvent,
  facts: Facts,
): JobPhase {
  switch (event.kind) {
    case "found":
      return { kind: "submitted", request: event.request, attached: true };
    case "absent": {
      const when = new Date(phase.doubt.notAfter).toISOString();
      if (facts.resubmitsLeft && facts.stopped === undefined)
        return {
          kind: "to-submit",
          note: `fal's request history does not list it by ${when}: never accepted`,
        };
      const message = `a submit cut off before fal accepted it (not in fal's request history by ${when}): the next run sends it`;
      const error: JobError = { stage: "submit", class: "retryable", kind: "in-doubt", message };
      return { kind: "unfinished", reason: message, error };
    }
    case "unknown":
      if (event.lasting && facts.sendInDoubt && facts.stopped === undefined)
        return {
          kind: "to-submit",
          note: `--retry-failed: ${event.reason}; sent again though fal may have it (it may be paid twice)`,
        };
      return event.lasting
        ? {
            kind: "in-doubt",
            lasting: true,
            reason: `${phase.reason}; ${event.reason}: not sent again, to avoid paying twice (--retry-failed sends it again)`,
          }
        : {
            kind: "in-doubt",
            lasting: false,
            reason: `in doubt, being reconciled (${phase.reason}): ${event.reason}; the next run looks for it in fal's request history again`,
          };
  }
}

/** After following a request: fetch its result, send a new one, or end. */
export function afterFollow(
  phase: Extract<JobPhase, { kind: "submitted" }>,
  event: FollowEvent,
  facts: Facts,
): JobPhase {
  const { request } = phase;
  switch (event.kind) {
    case "completed":
      return {
        kind: "completed",
        request,
        again: false,
        ...(event.errorType === undefined ? {} : { errorType: event.errorType }),
      };
    case "error":
      return afterFailure(event.error, request);
    case "expired":
      return resubmitOr(
        request,
        true,
        "fal no longer knows this request (expired); sent a new one",
        {
          stage: "status",
          class: "permanent",
          kind: "http",
          status: 404,
          message: "fal no longer knows the request",
        },
        facts,
      );
    case "canceled":
      return { kind: "canceled", reason: event.reason, request };
    case "detached":
      return {
        kind: "unfinished",
        reason: `${event.reason}; request ${request} goes on at fal and the next run picks it up`,
        request,
      };
    case "not-followed":
      return { kind: "unfinished", reason: event.reason, request };
  }
}

/** After asking for a completed request's result: deliver it, send a new request, or fail. */
export function afterResult(
  phase: Extract<JobPhase, { kind: "completed" }>,
  event: ResultEvent,
  facts: Facts,
): JobPhase {
  const { request } = phase;
  if (event.kind === "fetched")
    return { kind: "delivering", request, result: event.data, from: phase.again ? "journal" : "fal" };
  const { error } = event;
  // The result kept from an earlier request cannot be had again: only a new request can help.
  if (phase.again)
    return {
      kind: "to-submit",
      note: `the earlier result is gone: ${error.message}`,
      replaces: { request, gone: false },
    };
  if ("status" in error && error.status === 404)
    return resubmitOr(request, true, "fal no longer has this result (expired); sent a new one", error, facts);
  // fal's error type: the one its status gave, else the one its request history gave.
  const errorType = phase.errorType ?? error.errorType;
  const failure = {
    stage: "result" as const,
    failure: error as FalFailure,
    ...(errorType ? { errorType } : {}),
  };
  // fal failed the request for a cause of its own (a model or runner error): a new request may succeed.
  if (needsResubmit(failure) && facts.stopped === undefined)
    return resubmitOr(request, false, error.message, error, facts);
  return afterFailure(error, request);
}

/**
 * After writing a result's images: done, or failed. A result an earlier run kept (in the
 * journal) that no longer delivers (its URLs expired) is asked of fal again while resubmits last.
 */
export function afterDelivery(
  phase: Extract<JobPhase, { kind: "delivering" }>,
  event: DeliveryEvent,
  facts: Facts,
): JobPhase {
  const { request } = phase;
  if (event.kind === "delivered")
    return {
      kind: "done",
      request,
      images: event.images,
      ...(event.seed === undefined ? {} : { seed: event.seed }),
    };
  if (phase.from === "journal" && facts.resubmitsLeft) return { kind: "completed", request, again: true };
  return afterFailure(event.error, request);
}

/**
 * Whether going from `from` to `to` spends one of the job's resubmits: a new request in place
 * of one fal lost or failed, or a result asked for again.
 */
export function spendsResubmit(from: JobPhase, to: JobPhase): boolean {
  // A result asked for again already spent one; the request that follows when it is gone does not.
  // A submit fal never accepted, sent again, spends one: a connection that always breaks ends.
  if (to.kind === "to-submit")
    return (
      from.kind === "reconciling" || (to.replaces !== undefined && !(from.kind === "completed" && from.again))
    );
  return to.kind === "completed" && to.again && from.kind === "delivering";
}
