import { describe, expect, it } from "vitest";
import { retryAfterDeadline } from "../../src/fal/retry-after.js";
import { falOp, observingFetch, Traffic } from "../../src/fal/traffic.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

describe("Retry-After", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.UTC(2026, 10, 21, 2, 0, 0);
    expect(retryAfterDeadline("3", now)).toBe(now + 3000);
    expect(retryAfterDeadline("0.5", now)).toBe(now + 500);
    expect(retryAfterDeadline("Sat, 21 Nov 2026 02:00:07 GMT", now)).toBe(now + 7000);
    expect(retryAfterDeadline("soon", now)).toBeUndefined();
    expect(retryAfterDeadline(null, now)).toBeUndefined();
  });
});

describe("the account-wide gate", () => {
  it("lets no call through before a Retry-After deadline, the client's own retries included", async () => {
    const clock = new VirtualClock();
    const traffic = new Traffic(clock);
    const sent: number[] = [];
    const answers = [
      new Response("{}", { status: 429, headers: { "retry-after": "2" } }),
      new Response("{}", { status: 200 }),
      new Response("{}", { status: 200 }),
    ];
    const fake = (async () => {
      sent.push(clock.now());
      return answers.shift() as Response;
    }) as typeof fetch;
    const f = observingFetch(traffic, fake);
    const t0 = clock.now();
    await f("https://queue.fal.run/fal-ai/bytedance/seedream/v4.5/edit", { method: "POST" });
    await f("https://queue.fal.run/fal-ai/bytedance/requests/x/status?logs=0");
    await f("https://queue.fal.run/fal-ai/bytedance/requests/x");
    expect(sent.map((t) => t - t0)).toEqual([0, 2000, 2000]);
    expect(traffic.rateLimited).toBe(1);
    expect(Object.fromEntries(traffic.counts)).toEqual({ submit: 1, status: 1, result: 1 });
  });

  it("backs off with jitter after a 429 without Retry-After, longer while they continue", async () => {
    const clock = new VirtualClock();
    const traffic = new Traffic(clock, () => 0.5);
    traffic.observe({ op: "submit", sentAt: clock.now(), at: clock.now(), status: 429 });
    expect(traffic.openAt - clock.now()).toBe(500);
    traffic.observe({ op: "submit", sentAt: clock.now(), at: clock.now(), status: 429 });
    expect(traffic.openAt - clock.now()).toBe(1000);
    traffic.observe({ op: "status", sentAt: clock.now(), at: clock.now(), status: 200 });
    traffic.observe({ op: "submit", sentAt: clock.now(), at: clock.now(), status: 429 });
    expect(traffic.openAt - clock.now()).toBe(1000);
  });

  it("names fal operations from their paths", () => {
    expect(falOp("https://queue.fal.run/fal-ai/bytedance/seedream/v5/lite/edit", "POST")).toBe("submit");
    expect(falOp("http://127.0.0.1:1/fal-ai/bytedance/requests/abc/status/stream?logs=0", "GET")).toBe(
      "stream",
    );
    expect(falOp("https://queue.fal.run/fal-ai/bytedance/requests/abc/cancel", "PUT")).toBe("cancel");
    expect(falOp("https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3", "POST")).toBe(
      "upload",
    );
  });
});
