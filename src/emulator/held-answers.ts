import type { EmulatorFaults } from "./faults.js";

/**
 * Holds the answers of accepted submits for `delaySubmitAnswerMs` (real ms), or until
 * `releaseAll` when it is `"hold"`, so a test can kill a client inside that window.
 */
export class HeldAnswers {
  readonly #waiting = new Set<() => void>();

  constructor(private readonly faults: () => EmulatorFaults) {}

  /** How many answers are held now. */
  get count(): number {
    return this.#waiting.size;
  }

  /**
   * Resolves when the answer may go (at once when no delay is in force), or as soon as
   * `gone` aborts: the client hung up and will never read it.
   */
  hold(gone: AbortSignal): Promise<void> {
    const delay = this.faults().delaySubmitAnswerMs;
    if (delay === undefined || delay === 0 || gone.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        gone.removeEventListener("abort", release);
        this.#waiting.delete(release);
        resolve();
      };
      const timer = delay === "hold" ? undefined : setTimeout(release, delay);
      gone.addEventListener("abort", release, { once: true });
      this.#waiting.add(release);
    });
  }

  /** Lets every held answer go; returns how many there were. */
  releaseAll(): number {
    const all = [...this.#waiting];
    for (const release of all) release();
    return all.length;
  }
}
