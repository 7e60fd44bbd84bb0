import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/logger.js";
import type { InFlight } from "../../src/run/job-context.js";
import { RunStop } from "../../src/run/run-stop.js";
import { ManualClock } from "../helpers/manual-clock.js";

const DAY = 86_400_000;
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("the run's deadline", () => {
  it("is kept on the run's clock: nothing stops before it, the run stops at it", async () => {
    const clock = new ManualClock();
    const stop = new RunStop(silentLogger(), new Map<string, InFlight>(), undefined, undefined);
    stop.armDeadline(clock.now() + 10 * 60_000, "finish", clock);
    clock.advance(10 * 60_000 - 1);
    await settle();
    expect(stop.reason()).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(stop.reason()).toBe("not submitted: the run's deadline passed");
    expect(stop.end.end).toBe("deadline");
    stop.dispose();
  });

  it("a deadline 30 days away (past Node's ~24.8-day timer limit) does not fire at once", async () => {
    const clock = new ManualClock();
    const stop = new RunStop(silentLogger(), new Map<string, InFlight>(), undefined, undefined);
    stop.armDeadline(clock.now() + 30 * DAY, "finish", clock);
    clock.advance(29 * DAY);
    await settle();
    expect(stop.reason()).toBeUndefined();
    clock.advance(DAY);
    await settle();
    expect(stop.end.end).toBe("deadline");
    stop.dispose();
  });

  it("disposed, it never fires", async () => {
    const clock = new ManualClock();
    const stop = new RunStop(silentLogger(), new Map<string, InFlight>(), undefined, undefined);
    stop.armDeadline(clock.now() + 1000, "finish", clock);
    stop.dispose();
    clock.advance(2000);
    await settle();
    expect(stop.reason()).toBeUndefined();
  });
});
