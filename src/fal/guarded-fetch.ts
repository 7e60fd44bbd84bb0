import { cappedResponse, FalAnswerRefusedError, MAX_ANSWER_BYTES, MAX_STREAM_BYTES } from "./answer-rules.js";
import type { SecretScrubber } from "./secrets.js";
import { falOp } from "./traffic.js";

/** How long a call may take to be answered, and its body read (a stream is bounded by its follow). */
const CALL_TIMEOUT_MS = { upload: 600_000, other: 120_000 } as const;

/** A fal call that had no answer in its time: a transport failure (a submit is then in doubt). */
class NoAnswerError extends Error {
  constructor(ms: number) {
    super(`no answer from fal in ${ms / 1000} s`);
    this.name = "NoAnswerError";
  }
}

/** Calls `inner` with a time bound on the answer and its body (not on a status stream). */
async function answerWithin(
  op: ReturnType<typeof falOp>,
  inner: typeof fetch,
  input: Parameters<typeof fetch>[0],
  init: Parameters<typeof fetch>[1],
): Promise<Response> {
  if (op === "stream") return inner(input, init);
  const ms = op === "upload" ? CALL_TIMEOUT_MS.upload : CALL_TIMEOUT_MS.other;
  const timeout = AbortSignal.timeout(ms);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    return await inner(input, { ...init, signal });
  } catch (error) {
    if (timeout.aborted && !init?.signal?.aborted) throw new NoAnswerError(ms);
    throw error;
  }
}

/**
 * Every answer cut off at its cap (a status stream at its own) and scrubbed of the credentials,
 * before the client reads a byte of it: nothing fal sends can fill the heap or carry the key in.
 */
export function guardedFetch(inner: typeof fetch, secrets: SecretScrubber | undefined): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const op = falOp(url, init?.method ?? (input instanceof Request ? input.method : "GET"));
    const response = await answerWithin(op, inner, input, init);
    const cap = op === "stream" ? MAX_STREAM_BYTES : MAX_ANSWER_BYTES;
    const capped = cappedResponse(response, cap, () =>
      op === "stream"
        ? new Error(`the status stream passed ${cap} bytes: dropped`)
        : new FalAnswerRefusedError(
            "answer-size",
            `fal's ${op} answer is over the ${cap / 1024 / 1024} MiB cap on an answer: refused unread`,
          ),
    );
    return secrets ? secrets.response(capped) : capped;
  };
}
