import type { Clock } from "../clock.js";
import type { EditClient, FalRequestRef, FalStatus } from "../fal/index.js";

/** How the runner learns that a request completed. */
export interface WaitOptions {
  readonly client: EditClient;
  readonly clock: Clock;
  readonly endpointId: string;
  readonly request: FalRequestRef;
  readonly onUpdate: (status: FalStatus) => void;
  readonly signal: AbortSignal;
  /** Follow the status stream (one call per wait) or poll. */
  readonly mode: "stream" | "poll";
  /** The mean job time seen so far, in ms, which sets the polling interval. */
  readonly meanJobMs: () => number;
}

/**
 * A polling interval that follows the observed job time: about an eighth of it, within
 * [100 ms, 5 s]; a fixed 500 ms for every request is what floods fal.
 */
export function pollIntervalMs(meanJobMs: number): number {
  return Math.min(5000, Math.max(100, Math.round(meanJobMs / 8)));
}

/** Waits until the request is COMPLETED; rejects when a status call fails or `signal` aborts. */
export async function waitForCompletion(o: WaitOptions): Promise<FalStatus & { status: "COMPLETED" }> {
  if (o.mode === "stream") {
    const final = await o.client.follow(o.endpointId, o.request, o.onUpdate, o.signal);
    return final as FalStatus & { status: "COMPLETED" };
  }
  for (;;) {
    if (o.signal.aborted) throw o.signal.reason ?? new Error("aborted");
    const status = await o.client.status(o.endpointId, o.request, o.signal);
    o.onUpdate(status);
    if (status.status === "COMPLETED") return status;
    await o.clock.sleep(pollIntervalMs(o.meanJobMs()), o.signal);
  }
}
