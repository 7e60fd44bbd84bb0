import { describe, expect, it } from "vitest";
import { RenderPool } from "../../src/render/render-pool.js";

/** A task that ends when told: the test decides when each render finishes. */
function gated() {
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  return { task: () => gate, open };
}

describe("the render pool", () => {
  it("runs `parallel` at once, holds `backlog` waiting, and makes a delivery wait only past that", async () => {
    const pool = new RenderPool({ parallel: 2, backlog: 3 });
    const tasks = Array.from({ length: 6 }, gated);
    const added: number[] = [];
    for (const [i, t] of tasks.entries()) void pool.add(t.task).then(() => added.push(i));
    await new Promise((r) => setImmediate(r));
    // 2 running, 3 waiting: the sixth waits for room.
    expect([pool.running, pool.waiting, pool.full]).toEqual([2, 3, true]);
    expect(added).toEqual([0, 1, 2, 3, 4]);
    tasks[0]?.open();
    await new Promise((r) => setImmediate(r));
    expect(added).toEqual([0, 1, 2, 3, 4, 5]);
    expect([pool.running, pool.waiting]).toEqual([2, 3]);
    for (const t of tasks) t.open();
    await pool.idle();
    expect([pool.running, pool.waiting]).toEqual([0, 0]);
  });

  it("drops what waits on stop (it stays kept on disk), lets what runs finish, and takes nothing after", async () => {
    const pool = new RenderPool({ parallel: 1, backlog: 10 });
    const ran: number[] = [];
    const first = gated();
    await pool.add(async () => {
      await first.task();
      ran.push(0);
    });
    await pool.add(async () => {
      ran.push(1);
    });
    pool.stop();
    await pool.add(async () => {
      ran.push(2);
    });
    first.open();
    await pool.idle();
    expect(ran).toEqual([0]);
  });

  it("goes on after a task that fails", async () => {
    const pool = new RenderPool({ parallel: 1 });
    const ran: string[] = [];
    await pool.add(() => Promise.reject(new Error("broken original")));
    await pool.add(async () => {
      ran.push("next");
    });
    await pool.idle();
    expect(ran).toEqual(["next"]);
  });
});
