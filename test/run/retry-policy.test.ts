import { describe, expect, it } from "vitest";
import { backoffMs, classify, needsResubmit } from "../../src/run/retry-policy.js";

const http = (status: number) => ({ kind: "http" as const, status, message: `HTTP ${status}` });

describe("the retry policy", () => {
  it("classifies every failure once", () => {
    const cases: Array<[Parameters<typeof classify>[0], string]> = [
      [{ stage: "submit", failure: http(429) }, "retryable"],
      [{ stage: "status", failure: http(503) }, "retryable"],
      [{ stage: "result", failure: http(502) }, "retryable"],
      [{ stage: "status", failure: { kind: "network", message: "ECONNRESET" } }, "retryable"],
      [
        { stage: "download", failure: { kind: "output", message: "truncated download: 10 of 20 bytes" } },
        "retryable",
      ],
      [
        { stage: "result", failure: { kind: "validation", status: 422, message: "prompt: field required" } },
        "permanent",
      ],
      [{ stage: "result", failure: http(422), errorType: "content_policy_violation" }, "permanent"],
      [{ stage: "result", failure: http(504), errorType: "request_timeout" }, "permanent"],
      [{ stage: "result", failure: http(500), errorType: "runner_error" }, "retryable"],
      [{ stage: "submit", failure: http(400) }, "permanent"],
      [{ stage: "submit", failure: { kind: "auth", status: 401, message: "Invalid API key" } }, "fatal"],
      [{ stage: "status", failure: http(403) }, "fatal"],
    ];
    expect(cases.map(([facts]) => classify(facts))).toEqual(cases.map(([, c]) => c));
  });

  it("resubmits only when fal reports the request itself failed for a retryable cause", () => {
    expect(needsResubmit({ stage: "result", failure: http(500), errorType: "runner_error" })).toBe(true);
    expect(needsResubmit({ stage: "result", failure: http(502) })).toBe(false);
    expect(needsResubmit({ stage: "status", failure: http(503) })).toBe(false);
    expect(needsResubmit({ stage: "download", failure: { kind: "output", message: "truncated" } })).toBe(
      false,
    );
    expect(
      needsResubmit({ stage: "result", failure: http(422), errorType: "content_policy_violation" }),
    ).toBe(false);
  });

  it("backs off with full jitter, doubling to a cap", () => {
    expect([1, 2, 3, 6, 10].map((a) => backoffMs(a, () => 0.999999))).toEqual([
      1000, 2000, 4000, 30000, 30000,
    ]);
    expect(backoffMs(3, () => 0)).toBe(0);
    expect(backoffMs(2, () => 0.5)).toBe(1000);
  });
});
