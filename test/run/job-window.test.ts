import { describe, expect, it } from "vitest";
import { runWindowed } from "../../src/run/job-window.js";

describe("runWindowed", () => {
  it("runs every item in order, never more at once than the room it is given at the time", async () => {
    let active = 0;
    let most = 0;
    let room = 2;
    const started: number[] = [];
    const gates: Array<() => void> = [];
    const done = runWindowed(
      [1, 2, 3, 4, 5, 6],
      () => room,
      async (n) => {
        started.push(n);
        active += 1;
        most = Math.max(most, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active -= 1;
      },
    );
    expect(started).toEqual([1, 2]);
    room = 3;
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
    // One ended and the room grew to 3: two more start.
    expect(started).toEqual([1, 2, 3, 4]);
    while (gates.length > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it("resolves at once for no items and rejects with the first failure", async () => {
    await expect(
      runWindowed(
        [],
        () => 4,
        async () => {},
      ),
    ).resolves.toBeUndefined();
    await expect(
      runWindowed(
        [1, 2],
        () => 1,
        async (n) => {
          if (n === 2) throw new Error("job 2 broke");
        },
      ),
    ).rejects.toThrow("job 2 broke");
  });
});
