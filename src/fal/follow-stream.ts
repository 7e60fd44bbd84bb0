import type { FalStream, QueueStatus } from "@fal-ai/client";
import type { Clock } from "../clock.js";
import { type FalStatus, toFalStatus } from "./fal-status.js";

/**
 * A status stream that sent nothing, not even a keep-alive comment, for longer than fal's
 * promise allows: the connection is given up (undici would wait 300 s for it), the request is not.
 */
export class StreamSilentError extends Error {
  constructor(silenceMs: number) {
    super(
      `the status stream sent nothing for ${Math.round(silenceMs / 1000)} s (fal sends a keep-alive at least every 15 s)`,
    );
    this.name = "StreamSilentError";
  }
}

export interface FollowStreamOptions {
  readonly clock: Clock;
  /** Longest silence allowed on the stream, in ms. */
  readonly silenceMs: number;
  readonly onUpdate: (status: FalStatus) => void;
  readonly signal?: AbortSignal;
  /** Opens the stream; `heard` is to be called on every chunk of its body. */
  readonly open: (heard: () => void) => Promise<FalStream<unknown, QueueStatus>>;
}

/**
 * Follows a request's status stream until COMPLETED. A watchdog on the injected clock gives the
 * stream up after `silenceMs` without a byte; the caller then polls the same request.
 */
export async function followStatusStream(o: FollowStreamOptions): Promise<FalStatus> {
  let lastHeard = o.clock.now();
  const heard = () => {
    lastHeard = o.clock.now();
  };
  const stream = await o.open(heard);
  let silent = false;
  const watching = new AbortController();
  const watchdog = (async () => {
    while (!watching.signal.aborted) {
      const quiet = o.clock.now() - lastHeard;
      if (quiet >= o.silenceMs) {
        silent = true;
        stream.abort();
        return;
      }
      await o.clock.sleep(o.silenceMs - quiet, watching.signal);
    }
  })();
  const abort = () => stream.abort();
  o.signal?.addEventListener("abort", abort, { once: true });
  let last: FalStatus | undefined;
  // COMPLETED is known the moment its event arrives: no need to wait for the stream to close.
  const completed = new Promise<void>((resolve) => {
    stream.on("data", (data: QueueStatus) => {
      last = toFalStatus(data);
      o.onUpdate(last);
      if (last.status === "COMPLETED") resolve();
    });
  });
  try {
    await Promise.race([completed, stream.done()]);
  } finally {
    watching.abort();
    await watchdog;
    o.signal?.removeEventListener("abort", abort);
    if (last?.status === "COMPLETED") stream.abort();
  }
  if (o.signal?.aborted) throw o.signal.reason ?? new Error("aborted");
  if (last?.status === "COMPLETED") return last;
  if (silent) throw new StreamSilentError(o.clock.now() - lastHeard);
  // The stream ended without a final status (a proxy cut it): that is a failed status call.
  throw new Error("the status stream ended before the request completed");
}
