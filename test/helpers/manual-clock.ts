import type { Clock } from "../../src/clock.js";

/** A clock that moves only when a test advances it; a sleep resolves once the time passes its end. */
export class ManualClock implements Clock {
  readonly #sleepers = new Set<{ until: number; wake: () => void }>();

  constructor(public time = Date.UTC(2026, 11, 7, 2, 0, 0)) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        until: this.time + ms,
        wake: () => {
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener("abort", sleeper.wake);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener("abort", sleeper.wake, { once: true });
    });
  }

  /** How many sleeps wait now. */
  get sleeping(): number {
    return this.#sleepers.size;
  }

  /** Moves the time on and wakes every sleep that ends by then. */
  advance(ms: number): void {
    this.time += ms;
    for (const s of [...this.#sleepers]) if (s.until <= this.time) s.wake();
  }
}
