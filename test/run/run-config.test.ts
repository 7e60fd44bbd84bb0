import { describe, expect, it } from "vitest";
import { RUN_DEFAULTS } from "../../src/run/defaults.js";
import { runConfig } from "../../src/run/run-config.js";

describe("runConfig", () => {
  it("applies every default once, from RUN_DEFAULTS", () => {
    expect(runConfig({})).toEqual({
      outputRoot: "output",
      concurrency: "auto",
      maxConcurrency: 48,
      maxCostUsd: undefined,
      retry: RUN_DEFAULTS.retry,
      jobTimeoutMs: undefined,
      startTimeoutMs: 600_000,
      maxRunTimeMs: 600_000,
      mediaLifetimeMs: 14 * 86_400_000,
      storeIo: true,
      streamSilenceMs: 45_000,
      deadlineAt: undefined,
      deadlineAction: "finish",
      outageTimeoutMs: 600_000,
      render: true,
      renderPool: { backlog: 10_000 },
      keepRuns: 30,
      fresh: false,
      repairJournal: false,
      force: false,
      verify: false,
      retryFailed: false,
    });
  });

  it("takes the manifest's concurrency and cap where the caller left them, and the caller's over them", () => {
    const manifest = { concurrency: 6, maxCostUsd: 2 };
    expect(runConfig({}, manifest)).toMatchObject({ concurrency: 6, maxCostUsd: 2 });
    expect(runConfig({ concurrency: "auto", maxCostUsd: 1 }, manifest)).toMatchObject({
      concurrency: "auto",
      maxCostUsd: 1,
    });
  });

  it("keeps a retry policy's fields the caller left out, and rounds fal's second-counted bounds up", () => {
    const config = runConfig({
      retry: { maxAttempts: 2 },
      startTimeoutMs: 2500,
      mediaLifetimeMs: 86_400_001,
    });
    expect(config.retry).toEqual({ ...RUN_DEFAULTS.retry, maxAttempts: 2 });
    expect(config.startTimeoutMs).toBe(3000);
    expect(config.mediaLifetimeMs).toBe(86_401_000);
  });

  it("is the same config when given one", () => {
    const config = runConfig(
      { concurrency: 3, deadlineAt: 1000, renderPool: { parallel: 2 } },
      { maxCostUsd: 4 },
    );
    expect(runConfig(config)).toEqual(config);
  });

  it("refuses a bad value in one line that quotes it", () => {
    expect(() => runConfig({ concurrency: 0 })).toThrow(
      "run option concurrency: expected a whole number from 1 to 200, got 0",
    );
    expect(() => runConfig({ retry: { maxAttempts: 2.5 } })).toThrow(
      "run option retry.maxAttempts: expected a whole number from 1 to 20, got 2.5",
    );
    expect(() => runConfig({ startTimeoutMs: 1000 })).toThrow(
      "run option startTimeoutMs: expected a number above 1000, got 1000",
    );
    expect(() => runConfig({ maxCostUsd: Number.NaN })).toThrow(
      "run option maxCostUsd: expected a number above 0, got NaN",
    );
    expect(() => runConfig({ deadlineAction: "stop" as "finish" })).toThrow(
      'run option deadlineAction: expected "finish" or "cancel", got "stop"',
    );
  });
});
