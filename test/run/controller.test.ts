import { describe, expect, it } from "vitest";
import { ConcurrencyController } from "../../src/run/controller.js";
import { simulate, uniformDurations } from "./fal-simulation.js";

describe("ConcurrencyController against a model of fal (virtual time)", () => {
  for (const c of [2, 10, 40])
    it(`keeps C = ${c} busy with about C + 2 in flight and nothing piled up`, () => {
      // Enough jobs per slot that the unavoidable drain at the end does not dominate the ratio.
      const durations = uniformDurations(Math.max(1000, 100 * c), 5000, 60_000);
      const r = simulate({ durations, capacity: [{ at: 0, c }] });
      const ideal = durations.reduce((a, b) => a + b, 0) / c;
      expect(r.occupancy).toBeGreaterThanOrEqual(0.98);
      expect(r.makespan / ideal).toBeLessThanOrEqual(1.03);
      expect(r.maxQueued).toBeLessThanOrEqual(3);
      const steady = r.targets.filter((t) => t.at > 120_000 && t.at < r.makespan * 0.8).map((t) => t.target);
      expect(Math.min(...steady)).toBeGreaterThanOrEqual(c + 2);
      expect(Math.max(...steady)).toBeLessThanOrEqual(c + 3);
    });

  it("follows a capacity step 10 → 25 → 6 within two mean job times", () => {
    const durations = uniformDurations(2000, 5000, 60_000, 7);
    const up = 600_000;
    const down = 1_200_000;
    const r = simulate({
      durations,
      capacity: [
        { at: 0, c: 10 },
        { at: up, c: 25 },
        { at: down, c: 6 },
      ],
    });
    const firstAt = (from: number, ok: (t: number) => boolean) =>
      r.targets.find((t) => t.at >= from && ok(t.target))?.at;
    const reachedUp = firstAt(up, (t) => t >= 0.9 * 25 && t <= 27);
    const reachedDown = firstAt(down, (t) => t <= 6 + 2);
    expect(reachedUp).toBeDefined();
    expect(reachedDown).toBeDefined();
    expect(((reachedUp ?? 0) - up) / r.meanDuration).toBeLessThanOrEqual(2);
    expect(((reachedDown ?? 0) - down) / r.meanDuration).toBeLessThanOrEqual(2);
  });

  it("decreases once per window on 429s, ignoring those for calls sent before the decrease", () => {
    const c = new ConcurrencyController({ initial: 2, buffer: 2 });
    for (let i = 0; i < 20; i++) {
      c.submitted(`r${i}`, 0);
      c.running(`r${i}`, 1);
    }
    expect(c.decide(10)).toBe(22);
    c.rateLimited(100, 50);
    expect(c.decide(101)).toBe(11);
    // More 429s for calls sent before the decrease change nothing.
    c.rateLimited(102, 60);
    c.rateLimited(103, 99);
    expect(c.decide(104)).toBe(11);
    // A 429 for a call sent after it does.
    c.rateLimited(200, 150);
    expect(c.decide(201)).toBe(5);
    // Quiet windows raise the ceiling again (window = 2 × 10 s before any job was timed).
    expect(c.decide(201 + 20_000)).toBe(6);
    expect(c.decide(201 + 40_000)).toBe(7);
  });

  it("does not count a start before the finish that freed its slot (events on two connections)", () => {
    const c = new ConcurrencyController({ buffer: 2 });
    // C = 3: three run, three of ours wait (more than the buffer: fal is full).
    for (const [i, id] of ["a", "b", "c", "d", "e", "f"].entries()) {
      c.submitted(id, 0);
      if (i < 3) c.running(id, 1);
      else c.queued(id, 1, i - 3);
    }
    expect(c.decide(2)).toBe(5);
    // d's start is seen 20 ms before a's finish: the estimate stays 3 (the first decision with
    // only the buffer waiting also probes one higher, once per two job times).
    c.running("d", 100);
    expect(c.decide(101)).toBe(6);
    expect(c.decide(102)).toBe(5);
    c.finished("a", 120);
    expect(c.decide(121)).toBe(5);
    // The other order: b's finish, then e's start.
    c.finished("b", 200);
    c.running("e", 205);
    expect(c.decide(206)).toBe(5);
    // A start no finish pairs with, past the skew window, is a real rise of capacity.
    c.running("f", 300);
    expect(c.decide(301)).toBe(5);
    expect(c.decide(300 + 260)).toBe(6);
  });

  it("never moves when the concurrency is fixed", () => {
    const c = new ConcurrencyController({ fixed: 7 });
    c.rateLimited(1, 0);
    for (let i = 0; i < 3; i++) c.submitted(`r${i}`, 0);
    expect(c.decide(5)).toBe(7);
  });

  it("grows while nothing of ours waits, and respects --max-concurrency", () => {
    const r = simulate({
      durations: uniformDurations(400, 5000, 60_000, 3),
      capacity: [{ at: 0, c: 40 }],
      controller: { max: 12 },
    });
    expect(Math.max(...r.targets.map((t) => t.target))).toBe(12);
    expect(r.maxQueued).toBe(0);
  });
});
