import { describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/clock.js";
import { cappedResponse, checkRequestId, isFalRequestId } from "../../src/fal/answer-rules.js";
import { OutageGate } from "../../src/fal/outage-gate.js";
import { priceProblem } from "../../src/fal/pricing.js";
import { checkResultImages, resultUrlProblem } from "../../src/fal/result-urls.js";
import { MAX_RETRY_AFTER_MS } from "../../src/fal/retry-after.js";
import { observingFetch, Traffic } from "../../src/fal/traffic.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const EMULATOR = "http://127.0.0.1:4010";

describe("result URLs", () => {
  it.each([
    ["https://v3.fal.media/files/rabbit/abc.png", "fal", undefined],
    ["https://fal.media/files/abc.png", "fal", undefined],
    ["https://storage.googleapis.com/falserverless/x/abc.png", "fal", undefined],
    ["data:image/png;base64,iVBORw0KGgo=", "fal", undefined],
    [`${EMULATOR}/files/abc.png`, EMULATOR, undefined],
    ["https://v3.fal.media/files/abc.png", EMULATOR, undefined],
    ["http://v3.fal.media/files/abc.png", "fal", "http, not https, off fal's base URL"],
    [
      "https://fal.media.evil.example/abc.png",
      "fal",
      "fal.media.evil.example is not one of fal's media hosts",
    ],
    ["https://evilfal.media/abc.png", "fal", "evilfal.media is not one of fal's media hosts"],
    ["https://v3.fal.media:8443/abc.png", "fal", "a port of its own on fal's media hosts"],
    ["https://user:pw@v3.fal.media/abc.png", "fal", "a URL with credentials in it"],
    [
      "https://storage.googleapis.com/someone-else/abc.png",
      "fal",
      "storage.googleapis.com is not one of fal's media hosts",
    ],
    ["http://127.0.0.1:4011/internal/admin", EMULATOR, "http, not https, off fal's base URL"],
    [
      "https://127.0.0.1/internal/admin",
      EMULATOR,
      `127.0.0.1 is not one of fal's media hosts nor the base URL's origin (${EMULATOR})`,
    ],
    ["https://169.254.169.254/latest/meta-data", "fal", "169.254.169.254 is not one of fal's media hosts"],
    ["https://[::1]/x", "fal", "[::1] is not one of fal's media hosts"],
    ["https://10.0.0.7/x", "fal", "10.0.0.7 is not one of fal's media hosts"],
    ["file:///etc/passwd", "fal", "file, not https, off fal's base URL"],
    ["/files/abc.png", "fal", "not a URL"],
  ])("%s with target %s: %s", (url, target, problem) => {
    expect(resultUrlProblem(url, target)).toBe(problem);
  });

  it("refuses a result with more images than asked, or one URL off the hosts, naming the rule", () => {
    const image = (url: string) => ({ url });
    expect(() =>
      checkResultImages({ images: [image("https://v3.fal.media/a.png")] }, 1, "fal"),
    ).not.toThrow();
    expect(() =>
      checkResultImages(
        { images: [image("https://v3.fal.media/a.png"), image("https://v3.fal.media/b.png")] },
        1,
        "fal",
      ),
    ).toThrow("fal's result lists 2 images, more than the 1 asked for: refused");
    expect(() => checkResultImages({ images: [image("https://10.0.0.7/a.png?token=x")] }, 1, "fal")).toThrow(
      "result URL refused (10.0.0.7 is not one of fal's media hosts): results are downloaded only from fal's media hosts over https or the base URL's origin: https://10.0.0.7/a.png",
    );
  });
});

describe("request ids", () => {
  it("accepts fal's UUIDs only, before any goes in a URL", () => {
    expect(isFalRequestId("9a1c0d6e-2b3f-4c5d-8e9f-0a1b2c3d4e5f")).toBe(true);
    for (const id of ["../../../evil/x", "abc", "9a1c0d6e-2b3f-4c5d-8e9f-0a1b2c3d4e5f/x", "", 7, undefined])
      expect(isFalRequestId(id)).toBe(false);
    expect(() => checkRequestId("a?b=c")).toThrow(
      `a request id is not of fal's form (a UUID), refused: "a?b=c"`,
    );
  });
});

describe("answer caps", () => {
  it("refuses a declared length over the cap unread, and errors a chunked body the moment it passes", async () => {
    const tooLarge = () => new Error("too large");
    const declared = new Response("x".repeat(10), { headers: { "content-length": "10" } });
    expect(() => cappedResponse(declared, 5, tooLarge)).toThrow("too large");
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    await expect(cappedResponse(new Response(endless), 64 * 1024, tooLarge).text()).rejects.toThrow(
      "too large",
    );
    expect(pulled).toBeLessThan(100);
  });
});

describe("Retry-After", () => {
  it("waits at most the cap, and a longer one counts as fal being away", async () => {
    const clock = new VirtualClock();
    const gate = new OutageGate({ clock, threshold: 2 });
    const traffic = new Traffic(clock, Math.random, gate);
    const f = observingFetch(
      traffic,
      (async () =>
        new Response("{}", { status: 429, headers: { "retry-after": "3000000" } })) as typeof fetch,
    );
    const t0 = clock.now();
    await f("https://queue.fal.run/fal-ai/bytedance/requests/x/status");
    expect(traffic.openAt - t0).toBe(MAX_RETRY_AFTER_MS);
    expect(gate.away).toBe(false);
    await f("https://queue.fal.run/fal-ai/bytedance/requests/x/status");
    // The second call waited out the capped wait, not fifty minutes.
    expect(clock.now() - t0).toBe(MAX_RETRY_AFTER_MS);
    expect(gate.away).toBe(true);
  });

  it("a date in 9999 waits the cap too", async () => {
    const clock = new VirtualClock();
    const traffic = new Traffic(clock);
    const f = observingFetch(
      traffic,
      (async () =>
        new Response("{}", {
          status: 429,
          headers: { "retry-after": "Fri, 31 Dec 9999 23:59:59 GMT" },
        })) as typeof fetch,
    );
    await f("https://queue.fal.run/fal-ai/bytedance/requests/x/status");
    expect(traffic.openAt - clock.now()).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe("the system clock", () => {
  it("sleeps past Node's timer limit instead of firing at once", async () => {
    vi.useFakeTimers();
    try {
      let woke = false;
      const slept = systemClock.sleep(3_000_000_000).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(3_000_000_000);
      await slept;
      expect(woke).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("prices", () => {
  const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
  it.each([
    [0.04, undefined],
    [0.03, undefined],
    [-1, "-1 per image, not a price (not a finite number > 0)"],
    [0, "0 per image, not a price (not a finite number > 0)"],
    [Number.NaN, "NaN per image, not a price (not a finite number > 0)"],
    ["0.04", "0.04 per image, not a price (not a finite number > 0)"],
    [1e-9, "$1e-9 per image, more than 10 times off its known $0.04"],
    [4, "$4 per image, more than 10 times off its known $0.04"],
  ])("%s for v4.5: %s", (usd, problem) => {
    expect(priceProblem(V45, usd)).toBe(problem);
  });
  it("an endpoint not in the table: any price above 0 up to $5", () => {
    expect(priceProblem("fal-ai/other/edit", 0.5)).toBeUndefined();
    expect(priceProblem("fal-ai/other/edit", 50)).toBe("$50 per image, over $5");
  });
});
