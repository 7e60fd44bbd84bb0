/**
 * One send per call of `@fal-ai/client`: the runner's retry layer (see `src/run/retry-policy.ts`)
 * is the only one. The client retries submit, status and result itself (429, 5xx, transport
 * errors) with real sleeps, under the injected clock and past the outage gate, and those calls'
 * own retry settings override `retry: { maxRetries: 0 }`. It never retries a call whose signal is
 * aborted, though: the signal `oneSend` gives is aborted as soon as the call's one send has
 * settled, and the send itself goes with the caller's signal, so the answer is read unhindered.
 */

interface Call {
  /** The caller's own signal (a stop, a hung call given up), passed on to the send. */
  readonly caller: AbortSignal | undefined;
  /** Aborted once the send settled: what the client checks before a retry of its own. */
  readonly sent: AbortController;
}

const calls = new WeakMap<AbortSignal, Call>();

/** A signal to give a client call (its `abortSignal`) in place of `caller`: the call sends once. */
export function oneSend(caller?: AbortSignal): AbortSignal {
  const sent = new AbortController();
  calls.set(sent.signal, { caller, sent });
  return sent.signal;
}

/** The client's second send of one call: it retried after all (a changed client), refused unsent. */
class SecondSendError extends Error {
  constructor() {
    super("@fal-ai/client sent a call a second time on its own: refused, unsent");
    this.name = "SecondSendError";
  }
}

/**
 * Wraps the client's `fetch` (outermost, so every gate and observer below sees the caller's
 * signal): a call made with a `oneSend` signal is sent once, with the caller's signal.
 */
export function oneSendFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const call = init?.signal ? calls.get(init.signal) : undefined;
    if (!call) return inner(input, init);
    if (call.sent.signal.aborted) throw new SecondSendError();
    const { signal: _ours, ...rest } = init ?? {};
    try {
      return await inner(input, call.caller ? { ...rest, signal: call.caller } : rest);
    } finally {
      call.sent.abort();
    }
  };
}
