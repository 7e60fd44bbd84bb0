import { describe, expect, it } from "vitest";
import { FalUnavailableError, isOutageAnswer, OutageGate } from "../../src/fal/outage-gate.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

/** Lets `enter` calls that can go, go. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the outage gate", () => {
  it("counts transport failures and 502/503/504 as an outage; other answers as fal answering", () => {
    expect([undefined, 502, 503, 504].map(isOutageAnswer)).toEqual([true, true, true, true]);
    expect([200, 404, 422, 429, 500].map(isOutageAnswer)).toEqual([false, false, false, false, false]);
  });

  it("goes away after 6 consecutive outage failures, not fewer, and any answer resets the count", async () => {
    const gate = new OutageGate({ clock: new VirtualClock() });
    for (let i = 0; i < 5; i++) gate.settle(await gate.enter(), true);
    gate.settle(await gate.enter(), false);
    for (let i = 0; i < 5; i++) gate.settle(await gate.enter(), true);
    expect(gate.away).toBe(false);
    gate.settle(await gate.enter(), true);
    expect(gate.away).toBe(true);
  });

  it("while away lets one probe out at a time, backing off 1 s → 30 s; the first answer lets everyone through", async () => {
    const clock = new VirtualClock(0);
    const changes: Array<[boolean, number]> = [];
    const gate = new OutageGate({ clock, onChange: (away, at) => changes.push([away, at]) });
    for (let i = 0; i < 6; i++) gate.settle(await gate.enter(), true);
    const probeTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const pass = await gate.enter();
      expect(pass).toBe("probe");
      probeTimes.push(clock.now());
      gate.settle(pass, true);
    }
    expect(probeTimes).toEqual([1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000]);
    expect(gate.awayForMs(clock.now())).toBe(91_000);
    // A probe is out: three calls wait behind it, none is let through.
    const probe = await gate.enter();
    let through = 0;
    const waiting = [gate.enter(), gate.enter(), gate.enter()].map((p) =>
      p.then((pass) => {
        through += 1;
        return pass;
      }),
    );
    await settle();
    expect(through).toBe(0);
    gate.settle(probe, false);
    expect(await Promise.all(waiting)).toEqual(["call", "call", "call"]);
    expect(gate.away).toBe(false);
    expect(changes).toEqual([
      [true, 0],
      [false, 121_000],
    ]);
  });

  it("once closed refuses every waiting and later call, unsent", async () => {
    const clock = new VirtualClock(0);
    const gate = new OutageGate({ clock });
    for (let i = 0; i < 6; i++) gate.settle(await gate.enter(), true);
    const probe = await gate.enter();
    const waiting = gate.enter();
    gate.close(new FalUnavailableError("fal unavailable for 10 min"));
    await expect(waiting).rejects.toBeInstanceOf(FalUnavailableError);
    await expect(gate.enter()).rejects.toThrow("fal unavailable for 10 min");
    gate.settle(probe, true);
  });
});
