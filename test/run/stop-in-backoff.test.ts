import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock.js";
import { createEditClient, OutageGate, redirectingFetch, Traffic } from "../../src/fal/index.js";
import { type FalOp, falOp } from "../../src/fal/traffic.js";
import { Journal } from "../../src/journal/journal.js";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { executePlan } from "../../src/run/execute-plan.js";
import { runConfig } from "../../src/run/run-config.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { writeFiles } from "../helpers/manifests.js";
import { type Act, scriptedFal } from "../helpers/scripted-fal.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();
const tempDir = useTempDirs();
const KEY = "sk-stop-in-backoff";

/**
 * Virtual time where a wait with a signal lasts until that signal aborts (a backoff outlasts
 * whatever else happens in the run), and `held` resolves once one such wait began; a wait
 * without a signal passes at once.
 */
class HeldClock implements Clock {
  time = Date.UTC(2026, 10, 21, 2, 0, 0);
  #began: () => void = () => {};
  readonly held = new Promise<void>((resolve) => {
    this.#began = resolve;
  });
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal || signal.aborted) {
      this.time += Math.max(0, ms);
      return Promise.resolve();
    }
    this.#began();
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
}

describe("a run that stops while a submit backs off", () => {
  it("sends that submit no more (fal rejected the credentials meanwhile)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "name: held\nmodel: seedream-v4.5\nimages:\n  shoe: ./shoe.png\nprompts:\n  a: On white\n  b: On a street\n",
      "shoe.png": (p) => writePng(p, 64, 48),
    });
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
    const emulator = await emulators.start({
      apiKeys: [KEY],
      render: "fast",
      inferenceMs: 5,
      falHosts: true,
    });
    // One job's submit is answered 503 (it backs off), the other's 401 (the run stops).
    const script = (op: FalOp, n: number): Act =>
      op !== "submit" ? "pass" : n === 0 ? { status: 503 } : n === 1 ? { status: 401 } : "pass";
    const fal = await scriptedFal(script, emulator.url);
    const clock = new HeldClock();
    // The second submit leaves once the first one's job is backing off: its 401 stops the run then.
    let submits = 0;
    const held: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (falOp(url, init?.method ?? "GET") === "submit" && ++submits === 2) await clock.held;
      return fetch(input, init);
    };
    const traffic = new Traffic(clock, () => 0.5, new OutageGate({ clock }));
    const client = createEditClient({
      target: { kind: "base-url", baseUrl: fal.url },
      credentials: KEY,
      traffic,
      fetch: held,
    });
    const outputDir = join(dir, "out");
    const { journal } = await Journal.open(outputDir, () => clock.now());
    try {
      const result = await executePlan({
        plan,
        fal: { client, traffic, target: "fal", downloadFetch: redirectingFetch(fal.url) },
        state: { outputDir, journal },
        clock,
        random: () => 0.5,
        config: runConfig({ concurrency: 2 }),
        render: true,
        runId: "run-1",
      });
      expect(result.end).toBe("credentials_rejected");
      // The stop ends the backoff; the send it would make is refused unsent (`SendGuard`).
      expect(fal.seen.filter((s) => s.op === "submit").map((s) => s.act)).toEqual([503, 401]);
    } finally {
      journal.close();
      await fal.close();
    }
  });
});
