import type { EmulatorStats } from "./metrics.js";

interface Watcher {
  readonly predicate: (stats: EmulatorStats) => boolean;
  readonly resolve: (stats: EmulatorStats) => void;
}

/** Promises waiting for the emulator's measures to reach a state (tests wait on events, not time). */
export class Watchers {
  readonly #waiting = new Set<Watcher>();

  /** Resolves once `predicate` holds: now, or at a later `check`. */
  add(predicate: Watcher["predicate"], stats: () => EmulatorStats): Promise<EmulatorStats> {
    const now = stats();
    if (predicate(now)) return Promise.resolve(now);
    return new Promise((resolve) => this.#waiting.add({ predicate, resolve }));
  }

  /** Re-checks every waiting predicate (the stats are only gathered when someone waits). */
  check(stats: () => EmulatorStats): void {
    if (this.#waiting.size === 0) return;
    const now = stats();
    for (const w of this.#waiting)
      if (w.predicate(now)) {
        this.#waiting.delete(w);
        w.resolve(now);
      }
  }
}
