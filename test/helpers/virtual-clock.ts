import type { Clock } from "../../src/clock.js";

/** A clock that only moves when told: `sleep` advances it and resolves at once. */
export class VirtualClock implements Clock {
  constructor(public time = Date.UTC(2026, 10, 21, 2, 0, 0)) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += Math.max(0, ms);
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
