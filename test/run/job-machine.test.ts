import { describe, expect, it } from "vitest";
import type { JobError } from "../../src/model/failure.js";
import type { JobPhase } from "../../src/model/job-phase.js";
import { isEnd } from "../../src/model/job-phase.js";
import {
  afterDelivery,
  afterFailure,
  afterFollow,
  afterReconcile,
  afterResult,
  afterSubmit,
  type Facts,
  spendsResubmit,
} from "../../src/run/job-machine.js";

const going: Facts = { resubmitsLeft: true, earlier: 0, stopped: undefined, sendInDoubt: false };
const spent: Facts = { ...going, resubmitsLeft: false };
const submitted = { kind: "submitted", request: "r1", attached: false } as const;
const completed = { kind: "completed", request: "r1", again: false } as const;
const modelError: JobError = {
  stage: "result",
  class: "retryable",
  kind: "http",
  status: 500,
  errorType: "internal_error",
  message: "Internal error",
};
const validation: JobError = {
  stage: "submit",
  class: "permanent",
  kind: "validation",
  status: 422,
  message: "prompt: too long",
};
const gone: JobError = {
  stage: "result",
  class: "permanent",
  kind: "http",
  status: 404,
  message: "not found",
};
const image = { path: "a-1.png" } as never;

describe("the job machine", () => {
  it("goes from a submit to fal's queue, and ends a job whose submit was refused", () => {
    expect(afterSubmit({ kind: "accepted", request: "r1" }, going)).toEqual(submitted);
    expect(afterSubmit({ kind: "error", error: validation }, going)).toEqual({
      kind: "failed",
      error: validation,
    });
    expect(afterSubmit({ kind: "not-sent", reason: "budget" }, going)).toEqual({
      kind: "not-run",
      reason: "budget",
    });
    // After a request of this run, a job the run stops is canceled, not "not run".
    expect(afterSubmit({ kind: "not-sent", reason: "budget" }, { ...going, earlier: 1 })).toEqual({
      kind: "canceled",
      reason: "budget",
    });
  });

  it("fetches the result of what fal completed, and sends anew what fal no longer knows while resubmits last", () => {
    expect(afterFollow(submitted, { kind: "completed" }, going)).toEqual(completed);
    expect(afterFollow(submitted, { kind: "completed", errorType: "internal_error" }, going)).toEqual({
      ...completed,
      errorType: "internal_error",
    });
    const expired = afterFollow(submitted, { kind: "expired" }, going);
    expect(expired).toMatchObject({ kind: "to-submit", replaces: { request: "r1", gone: true } });
    expect(spendsResubmit(submitted, expired)).toBe(true);
    expect(afterFollow(submitted, { kind: "expired" }, spent)).toMatchObject({
      kind: "failed",
      request: "r1",
      error: { status: 404 },
    });
  });

  it("leaves an interrupted wait to the next run, with its request", () => {
    expect(afterFollow(submitted, { kind: "detached", reason: "interrupted" }, going)).toEqual({
      kind: "unfinished",
      request: "r1",
      reason: "interrupted; request r1 goes on at fal and the next run picks it up",
    });
    expect(afterFollow(submitted, { kind: "canceled", reason: "deadline" }, going)).toEqual({
      kind: "canceled",
      reason: "deadline",
      request: "r1",
    });
  });

  it("gives a model error a new request; a permanent result error ends the job", () => {
    const failedAtFal = { ...completed, errorType: "internal_error" };
    const again = afterResult(failedAtFal, { kind: "error", error: modelError }, going);
    expect(again).toEqual({
      kind: "to-submit",
      note: "Internal error",
      replaces: { request: "r1", gone: false },
    });
    expect(spendsResubmit(failedAtFal, again)).toBe(true);
    // Out of new requests (or stopping), a model error is still not the job's fault: it is
    // left unfinished, and the next run takes it up with its request.
    expect(afterResult(failedAtFal, { kind: "error", error: modelError }, spent)).toEqual({
      kind: "unfinished",
      reason: "Internal error",
      error: modelError,
      request: "r1",
    });
    expect(
      afterResult(failedAtFal, { kind: "error", error: modelError }, { ...going, stopped: "deadline" }),
    ).toMatchObject({ kind: "unfinished", request: "r1" });
    const policy = { ...modelError, class: "permanent", errorType: "content_policy_violation" } as const;
    expect(
      afterResult(
        { ...completed, errorType: "content_policy_violation" },
        { kind: "error", error: policy },
        going,
      ),
    ).toMatchObject({ kind: "failed", request: "r1" });
    expect(afterResult(completed, { kind: "error", error: gone }, going)).toMatchObject({
      kind: "to-submit",
      replaces: { gone: true },
    });
  });

  it("delivers a fetched result and ends done", () => {
    const delivering = afterResult(completed, { kind: "fetched", data: { images: [] } }, going);
    expect(delivering).toEqual({ kind: "delivering", request: "r1", result: { images: [] }, from: "fal" });
    if (delivering.kind !== "delivering") throw new Error("unreachable");
    const done = afterDelivery(delivering, { kind: "delivered", images: [image], seed: 7 }, going);
    expect(done).toEqual({ kind: "done", request: "r1", images: [image], seed: 7 });
    expect(isEnd(done)).toBe(true);
  });

  it("asks fal again for a kept result that no longer delivers; a new request only when that is gone too", () => {
    const kept: Extract<JobPhase, { kind: "delivering" }> = {
      kind: "delivering",
      request: "r1",
      result: {},
      from: "journal",
    };
    const broken = {
      kind: "error",
      error: { ...gone, stage: "download", kind: "output", class: "retryable" },
    } as const;
    const refetch = afterDelivery(kept, broken, going);
    expect(refetch).toEqual({ kind: "completed", request: "r1", again: true });
    expect(spendsResubmit(kept, refetch)).toBe(true);
    if (refetch.kind !== "completed") throw new Error("unreachable");
    expect(afterResult(refetch, { kind: "fetched", data: {} }, going)).toMatchObject({ from: "journal" });
    const anew = afterResult(refetch, { kind: "error", error: gone }, going);
    expect(anew).toMatchObject({ kind: "to-submit", replaces: { request: "r1", gone: false } });
    // The refetch already spent the resubmit.
    expect(spendsResubmit(refetch, anew)).toBe(false);
    // A download that keeps breaking (each image was retried) leaves the job for the next run.
    expect(afterDelivery(kept, broken, spent)).toMatchObject({ kind: "unfinished", request: "r1" });
    expect(afterDelivery({ ...kept, from: "fal" }, broken, going)).toMatchObject({ kind: "unfinished" });
    const noImages = { ...broken, error: { ...broken.error, class: "permanent" as const } };
    expect(afterDelivery({ ...kept, from: "fal" }, noImages, going)).toMatchObject({ kind: "failed" });
  });

  it("never makes a transient failure permanent: only a permanent cause fails the job for good", () => {
    const transport: JobError = {
      stage: "submit",
      class: "retryable",
      kind: "network",
      message: "ECONNREFUSED",
    };
    const busy: JobError = { stage: "status", class: "retryable", kind: "http", status: 503, message: "503" };
    const startTimeout: JobError = {
      stage: "status",
      class: "permanent",
      kind: "http",
      status: 504,
      message: "start timeout",
    };
    // A submit that never reached fal: the next run sends it (no request to attach to).
    expect(afterSubmit({ kind: "error", error: transport }, going)).toEqual({
      kind: "unfinished",
      reason: "ECONNREFUSED",
      error: transport,
    });
    // Status calls that kept failing: the next run re-attaches to the paid request.
    expect(afterFollow(submitted, { kind: "error", error: busy }, going)).toEqual({
      kind: "unfinished",
      reason: "503",
      error: busy,
      request: "r1",
    });
    expect(afterFollow(submitted, { kind: "error", error: startTimeout }, going)).toMatchObject({
      kind: "failed",
    });
    expect(afterSubmit({ kind: "error", error: validation }, going)).toMatchObject({ kind: "failed" });
    expect(afterFailure({ ...busy, class: "fatal" }, "r1")).toMatchObject({
      kind: "unfinished",
      request: "r1",
    });
    // A result call that kept failing (not a failure at fal): the same request, next run.
    expect(
      afterResult(completed, { kind: "error", error: { ...busy, stage: "result" } }, going),
    ).toMatchObject({
      kind: "unfinished",
      request: "r1",
    });
  });

  it("settles a submit in doubt from fal's history: follow what was found, send what fal never had, else stay in doubt", () => {
    const doubt = { endpoint: "e", digest: "d", since: 1000, notAfter: 901_000 };
    const reconciling = { kind: "reconciling", doubt, reason: "cut off" } as const;
    expect(afterReconcile(reconciling, { kind: "found", request: "r9" }, going)).toEqual({
      kind: "submitted",
      request: "r9",
      attached: true,
    });
    expect(afterReconcile(reconciling, { kind: "absent" }, going)).toMatchObject({ kind: "to-submit" });
    // Sending it again spends one of the job's new requests: a connection that always breaks ends.
    expect(spendsResubmit(reconciling, { kind: "to-submit" })).toBe(true);
    expect(afterReconcile(reconciling, { kind: "absent" }, spent)).toMatchObject({
      kind: "unfinished",
      error: { kind: "in-doubt", class: "retryable" },
    });
    const unreadable = { kind: "unknown", reason: "HTTP 403", lasting: true } as const;
    expect(afterReconcile(reconciling, unreadable, going)).toMatchObject({ kind: "in-doubt", lasting: true });
    expect(afterReconcile(reconciling, unreadable, { ...going, sendInDoubt: true })).toMatchObject({
      kind: "to-submit",
    });
    const stopped = { kind: "unknown", reason: "interrupted", lasting: false } as const;
    expect(afterReconcile(reconciling, stopped, { ...going, sendInDoubt: true })).toMatchObject({
      kind: "in-doubt",
      lasting: false,
    });
  });
});
