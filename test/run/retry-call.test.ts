import { ApiError } from "@fal-ai/client";
import { describe, expect, it } from "vitest";
import { FalUnavailableError } from "../../src/fal/index.js";
import { type CallRetry, retryCall } from "../../src/run/retry-call.js";
import { DEFAULT_RETRY } from "../../src/run/retry-policy.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

/** A call failing with `errors` in turn, then answering "ok"; `calls` counts its calls. */
function failing(...errors: Error[]) {
  const state = { calls: 0 };
  const call = async () => {
    const error = errors[state.calls++];
    if (error) throw error;
    return "ok";
  };
  return { state, call };
}

const http = (status: number) => new ApiError({ message: `HTTP ${status}`, status, body: {} });

function retry(clock: VirtualClock, falAway?: () => boolean): CallRetry {
  return { clock, random: () => 0.5, policy: DEFAULT_RETRY, ...(falAway ? { falAway } : {}) };
}

describe("retryCall: a fal call outside a job's steps (an upload, a cancel)", () => {
  it("retries a retryable failure after the policy's backoff, on the injected clock", async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const { state, call } = failing(http(503), new TypeError("fetch failed"));
    const told: number[] = [];
    expect(await retryCall("upload", call, retry(clock), (n) => told.push(n))).toBe("ok");
    // Full jitter at 0.5: 500 ms, then 1000 ms.
    expect([state.calls, told, clock.now() - start]).toEqual([3, [1, 2], 1500]);
  });

  it("gives up after the policy's attempts, and at once on a permanent failure or a closed gate", async () => {
    const clock = new VirtualClock();
    const always = failing(...Array.from({ length: 9 }, () => http(502)));
    await expect(retryCall("status", always.call, retry(clock))).rejects.toMatchObject({ status: 502 });
    expect(always.state.calls).toBe(DEFAULT_RETRY.maxAttempts);
    const refused = failing(http(422));
    await expect(retryCall("upload", refused.call, retry(clock))).rejects.toMatchObject({ status: 422 });
    const closed = failing(new FalUnavailableError("fal is away"));
    await expect(retryCall("upload", closed.call, retry(clock))).rejects.toThrow("fal is away");
    expect([refused.state.calls, closed.state.calls]).toEqual([1, 1]);
  });

  it("spends no attempt on a 429 or while fal is away, only when told whether fal is away", async () => {
    const clock = new VirtualClock();
    const errors = [http(429), http(503), http(503), http(503), http(503), http(503), http(503)];
    // An upload while fal is away: seven failures (past the policy's five attempts), none spent.
    const held = failing(...errors);
    expect(
      await retryCall(
        "upload",
        held.call,
        retry(clock, () => true),
      ),
    ).toBe("ok");
    expect(held.state.calls).toBe(8);
    // A cancel (no `falAway`): every failure spends one of the policy's attempts.
    const cancel = failing(...errors);
    await expect(retryCall("status", cancel.call, retry(clock))).rejects.toMatchObject({ status: 503 });
    expect(cancel.state.calls).toBe(DEFAULT_RETRY.maxAttempts);
  });
});

describe("retryCall: the run stopping", () => {
  it("ends the backoff and sends nothing more: the last failure stands", async () => {
    const clock = new VirtualClock();
    const stop = new AbortController();
    const { state, call } = failing(http(503), http(503));
    // The run stops as the call is about to back off (told of the retry to come).
    const retrying = retryCall("upload", call, { ...retry(clock), signal: stop.signal }, () => stop.abort());
    await expect(retrying).rejects.toMatchObject({ status: 503 });
    expect(state.calls).toBe(1);
  });
});
