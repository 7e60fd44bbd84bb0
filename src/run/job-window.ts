/**
 * Runs `run` over `items` in order, at most `room()` of them at a time (asked again each time
 * one ends). The run's jobs go through this rather than all at once: a job admitted holds its
 * state, its result and, while delivering, its images, so the window bounds the memory of a
 * 100,000-job run, and when writing results falls behind fal, fewer jobs are admitted and
 * fewer submitted (backpressure) instead of fetched results piling up.
 */
export function runWindowed<T>(
  items: readonly T[],
  room: () => number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed = false;
    const admit = () => {
      while (!failed && next < items.length && active < Math.max(1, room())) {
        const item = items[next++] as T;
        active += 1;
        run(item).then(
          () => {
            active -= 1;
            if (next >= items.length && active === 0) resolve();
            else admit();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    if (items.length === 0) resolve();
    else admit();
  });
}
