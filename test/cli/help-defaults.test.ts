import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/cli/duration.js";
import { formatRange, msRange } from "../../src/cli/parse-values.js";
import { runCli } from "../helpers/run-cli.js";

describe("durations as a user writes them", () => {
  it("formats milliseconds with units, and reads them back", () => {
    expect([30_000, 1000, 90_000, 3_600_000, 5_400_000, 1500].map(formatDuration)).toEqual([
      "30s",
      "1s",
      "1m30s",
      "1h",
      "1h30m",
      "1500ms",
    ]);
    expect(msRange("5s-60s")).toEqual({ min: 5000, max: 60_000 });
    expect(msRange("5000-60000")).toEqual({ min: 5000, max: 60_000 });
    expect(msRange("250ms")).toBe(250);
    expect(formatRange({ min: 5000, max: 60_000 })).toBe("5s-60s");
    expect(() => msRange("5s-")).toThrow('expected MS or MIN-MAX (milliseconds, or 5s-60s), got "5s-"');
    expect(() => msRange("60s-5s")).toThrow("range 60s-5s ends before it starts");
  });

  it("--help shows no raw milliseconds or objects as defaults", async () => {
    const run = await runCli(["run", "--help"]);
    const emulator = await runCli(["emulator", "--help"]);
    const help = `${run.stdout}\n${emulator.stdout}`.replace(/\n\s+/g, " ");
    expect(help).toContain("a progress line this often (default: 30s)");
    expect(help).toContain("(default: 5s-60s)");
    expect(help).toContain("attempts (default: 1s)");
    expect(help).toContain("sent on every submit) (default: 10m)");
    expect(help).toContain(
      "exit 69) when fal stays unreachable this long; unfinished jobs are left for the next run (default: 10m)",
    );
    // No default of a duration option is a bare number of milliseconds (the port is a number).
    expect(help.replace("(default: 8787)", "")).not.toMatch(/default: (\d{4,}|\{)/);
  });
});
