import type { RequestHistory } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import type { FalFailure, JobError } from "../model/failure.js";
import type { FalSide } from "./job-context.js";
import type { ResultEvent } from "./job-machine.js";
import { classify } from "./retry-policy.js";

/**
 * What fal's request history says of a request whose queue status or result fal no longer
 * serves (a 404: the queue keeps results about an hour). Only a request fal does not list at
 * all is one to send again; one it ran is never paid for twice.
 */
export type LostRequest =
  /** It completed: its output, from the history's payloads. */
  | { readonly kind: "output"; readonly data: unknown }
  /** It ended with an error (its status code, and fal's `error_type` when the output has one). */
  | { readonly kind: "failed"; readonly failure: FalFailure; readonly errorType?: string }
  /** It completed, but the history keeps no output (`X-Fal-Store-IO: 0`): paid, out of reach. */
  | { readonly kind: "no-output"; readonly error: JobError }
  /** fal does not list it: it no longer knows it at all. */
  | { readonly kind: "unknown" }
  /** The history could not be asked: nothing is sent until it can say. */
  | { readonly kind: "unreadable"; readonly error: JobError };

function failureOf(output: unknown, statusCode: number): { message: string; errorType?: string } {
  const o = (output ?? {}) as { detail?: unknown; error_type?: unknown };
  const detail =
    typeof o.detail === "string" ? o.detail : o.detail === undefined ? "" : JSON.stringify(o.detail);
  return {
    message: `fal ended it with HTTP ${statusCode}${detail ? `: ${detail}` : ""} (from its request history)`,
    ...(typeof o.error_type === "string" ? { errorType: o.error_type } : {}),
  };
}

/** A request fal may have run whose output is out of reach: never sent again on its own (`why` says what is known). */
function noOutput(why: string): LostRequest {
  return {
    kind: "no-output",
    error: {
      stage: "result",
      class: "permanent",
      kind: "http",
      status: 404,
      message: `${why}: not sent again, to avoid paying twice; it waits for a person (--retry-failed sends it again)`,
    },
  };
}

/** Looks a lost request up by id in fal's request history. */
export async function lookUpLost(
  history: RequestHistory | undefined,
  endpointId: string,
  request: string,
  signal?: AbortSignal,
): Promise<LostRequest> {
  if (!history)
    return {
      kind: "unreadable",
      error: {
        stage: "result",
        class: "retryable",
        kind: "http",
        status: 404,
        message:
          "fal no longer serves this request, and its request history cannot be asked here: not sent again",
      },
    };
  let entry: Awaited<ReturnType<RequestHistory["findById"]>>;
  try {
    entry = await history.findById(endpointId, request, signal);
  } catch (error) {
    return {
      kind: "unreadable",
      error: {
        stage: "result",
        class: "retryable",
        kind: "network",
        message: `fal no longer serves this request, and its request history could not be read (${(error as Error).message}): the next run asks again`,
      },
    };
  }
  if (!entry) return { kind: "unknown" };
  if (entry.statusCode >= 400) {
    const { message, errorType } = failureOf(entry.output, entry.statusCode);
    return {
      kind: "failed",
      failure: { kind: "http", status: entry.statusCode, message },
      ...(errorType === undefined ? {} : { errorType }),
    };
  }
  const images = (entry.output as { images?: unknown } | null | undefined)?.images;
  if (!Array.isArray(images))
    return noOutput(
      "fal ran this request (its request history lists it) but no longer serves its result, and the history keeps no output (payloads not stored, X-Fal-Store-IO: 0?)",
    );
  return { kind: "output", data: entry.output };
}

/**
 * What fal's request history says of a request whose status or result fal no longer serves;
 * said in the log, with any history items skipped for missing fields.
 */
export async function lookUpFor(
  fal: FalSide,
  signal: AbortSignal,
  endpointId: string,
  log: Logger,
  request: string,
): Promise<LostRequest> {
  const skippedBefore = fal.history?.skipped ?? 0;
  const found = await lookUpLost(fal.history, endpointId, request, signal);
  // Without payloads kept, "not listed" may be a request fal ran: it is not sent again on its own.
  const lost: LostRequest =
    found.kind === "unknown" && fal.storage.storeIo === false
      ? noOutput(
          "fal no longer serves this request and its request history does not list it; with --no-store-io that cannot tell a request fal ran from one it never knew",
        )
      : found;
  const skipped = (fal.history?.skipped ?? 0) - skippedBefore;
  if (skipped > 0)
    log.warn({ skipped }, "fal's request history listed items without the fields the runner needs: skipped");
  const said: Record<LostRequest["kind"], string> = {
    output:
      "fal no longer serves the request, but its request history has its output: delivering that, not sending it again",
    failed: "fal no longer serves the request; its request history says it failed",
    "no-output":
      "fal no longer serves the request, and its request history keeps no output: waiting for a person",
    unknown:
      "fal no longer serves the request, and its request history does not list it: fal no longer knows it",
    unreadable: "fal no longer serves the request, and its request history cannot say what became of it",
  };
  log.warn({ requestId: request }, said[lost.kind]);
  return lost;
}

/** A result fetch that met a 404, decided by what the history said; `gone` is that 404. */
export function resultOf(lost: LostRequest, gone: JobError): ResultEvent {
  switch (lost.kind) {
    case "output":
      return { kind: "fetched", data: lost.data };
    case "failed": {
      const { failure, errorType } = lost;
      const klass = classify({ stage: "result", failure, ...(errorType === undefined ? {} : { errorType }) });
      return {
        kind: "error",
        error: {
          ...failure,
          stage: "result",
          class: klass,
          ...(errorType === undefined ? {} : { errorType }),
        },
      };
    }
    case "no-output":
    case "unreadable":
      return { kind: "error", error: lost.error };
    case "unknown":
      return { kind: "error", error: gone };
  }
}
