/** Time as the runner sees it; tests pass a virtual clock so nothing sleeps for real. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Node's timers hold at most 2^31-1 ms; a longer one fires at once (every 1 ms, in a loop). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted || !(ms > 0)) {
        resolve();
        return;
      }
      const end = Date.now() + ms;
      let timer: NodeJS.Timeout;
      // A sleep past the timer limit is taken in steps under it.
      const arm = () => {
        timer = setTimeout(tick, Math.min(Math.max(0, end - Date.now()), MAX_TIMER_MS));
      };
      const tick = () => (Date.now() >= end ? done() : arm());
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      arm();
      signal?.addEventListener("abort", done, { once: true });
    }),
};
