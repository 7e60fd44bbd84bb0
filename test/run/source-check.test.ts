import { describe, expect, it } from "vitest";
import type { KeyState } from "../../src/journal/key-state.js";
import { leftAtEarlierEmulator, SourceMismatches, stateForSource } from "../../src/run/source-check.js";

function state(phase: KeyState["phase"], source: string | undefined, more: Partial<KeyState> = {}): KeyState {
  return {
    key: "k",
    job: "A-square",
    phase,
    request: "9a1c0d6e-2b3f-4c5d-8e9f-0a1b2c3d4e5f",
    urls: undefined,
    endpoint: "fal-ai/bytedance/seedream/v4.5/edit",
    source,
    seed: undefined,
    result: undefined,
    images: new Map(),
    kept: undefined,
    requests: [],
    cause: undefined,
    failureClass: undefined,
    doubt: undefined,
    ...more,
  };
}

describe("a request an earlier --emulator run left open", () => {
  it("is not servable by this run's emulator: in doubt, submitted, unfinished, or its result fetched", () => {
    for (const phase of ["submitting", "reconciling", "submitted", "unfinished", "delivering"] as const) {
      expect(leftAtEarlierEmulator(state(phase, "emulator"), "emulator")).toBe(true);
      expect(stateForSource(state(phase, "emulator"), "emulator")).toBeUndefined();
    }
  });

  it("keeps what is final: done, failed, canceled", () => {
    for (const s of [state("done", "emulator"), state("failed", "emulator"), state("canceled", "emulator")]) {
      expect(leftAtEarlierEmulator(s, "emulator")).toBe(false);
      expect(stateForSource(s, "emulator")).toBe(s);
    }
  });

  it("is a rule of the emulator only: fal and a base URL keep their requests across runs", () => {
    for (const source of ["fal", "http://127.0.0.1:4100"]) {
      const s = state("submitted", source);
      expect(leftAtEarlierEmulator(s, source)).toBe(false);
      expect(stateForSource(s, source)).toBe(s);
    }
  });

  it("is said in one warning of its own, apart from jobs made against another source", () => {
    const sources = new SourceMismatches("emulator");
    sources.use(state("submitted", "emulator"));
    sources.use(state("submitting", "emulator"));
    sources.use(state("done", "fal"));
    sources.use(state("done", "emulator"));
    expect(sources.warnings()).toEqual([
      "1 job was made against fal; regenerating for the emulator",
      "2 jobs were left unfinished by an earlier --emulator run, whose emulator is gone; sending them to this one",
    ]);
  });
});
