import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEditClient, OutageGate, redirectingFetch, Traffic } from "../../src/fal/index.js";
import type { FalOp } from "../../src/fal/traffic.js";
import { Journal } from "../../src/journal/journal.js";
import type { JobOutcome } from "../../src/model/job-outcome.js";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { executePlan } from "../../src/run/execute-plan.js";
import { runConfig } from "../../src/run/run-config.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { writeFiles } from "../helpers/manifests.js";
import { type Act, scriptedFal } from "../helpers/scripted-fal.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const emulators = useEmulators();
const tempDir = useTempDirs();
const KEY = "sk-one-retry-layer";

/** A job's retries as [stage, attempt, cause]. */
const retriesOf = (o: JobOutcome | undefined) =>
  o && "retries" in o ? o.retries.map((r) => [r.stage, r.attempt, r.cause]) : [];

/**
 * A plan of `prompts.length` jobs over one local photo, run in process on a virtual clock by
 * the real `@fal-ai/client` over loopback HTTP: to the emulator, through a server that answers
 * each kind of call as `script` says (and counts them).
 */
async function runThrough(script: (op: FalOp, n: number) => Act, prompts: readonly string[]) {
  const dir = await tempDir();
  const lines = prompts.map((p, i) => `  p${i}: ${p}`).join("\n");
  await writeFiles(dir, {
    "m.yaml": `name: layer\nmodel: seedream-v4.5\nimages:\n  shoe: ./shoe.png\nprompts:\n${lines}\n`,
    "shoe.png": (p) => writePng(p, 64, 48),
  });
  const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
  const emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 5, falHosts: true });
  const fal = await scriptedFal(script, emulator.url);
  const clock = new VirtualClock();
  const started = clock.now();
  const traffic = new Traffic(clock, () => 0.5, new OutageGate({ clock }));
  const client = createEditClient({
    target: { kind: "base-url", baseUrl: fal.url },
    credentials: KEY,
    traffic,
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
    const outcomes = plan.jobs.map((j) => result.outcomes.get(j.id) as JobOutcome);
    return { fal, result, outcomes, outputDir, traffic, elapsed: clock.now() - started };
  } finally {
    journal.close();
    await fal.close();
  }
}

describe("one retry layer, the runner's: the client's own retries are off", () => {
  it("a status or result call that fails (503, a reset) is retried by the runner, on the virtual clock", async () => {
    const script = (op: FalOp, n: number): Act => {
      if (op === "status") return n === 0 ? { status: 503 } : n === 1 ? "reset" : "pass";
      if (op === "result") return n === 0 ? "reset" : n === 1 ? { status: 503 } : "pass";
      return "pass";
    };
    const { fal, result, outcomes } = await runThrough(script, ["On white"]);
    expect(result.end).toBe("completed");
    expect(outcomes.map((o) => o.status)).toEqual(["succeeded"]);
    // Each failure reached the runner, which retried it: the client sent each call once (it
    // would have slept and sent it again). A stream on the virtual clock is given up as silent
    // before it leaves, so the request is polled (the stream's own test is in test/fal).
    const status = fal.seen.filter((s) => s.op === "status").map((s) => s.act);
    expect(status.slice(0, 3)).toEqual([503, "reset", "pass"]);
    expect([fal.count("submit"), fal.count("result")]).toEqual([1, 3]);
    const retries = retriesOf(outcomes[0]);
    expect(retries).toEqual([
      ["status", 1, "scripted 503"],
      ["status", 2, "fetch failed: other side closed"],
      ["result", 1, "fetch failed: other side closed"],
      ["result", 2, "scripted 503"],
    ]);
  });

  it("an upload that fails is retried by the runner (the client no longer does)", async () => {
    const script = (op: FalOp, n: number): Act =>
      op === "upload" ? (n === 0 ? { status: 503 } : n === 1 ? "reset" : "pass") : "pass";
    const { fal, outcomes } = await runThrough(script, ["On white"]);
    expect(outcomes.map((o) => o.status)).toEqual(["succeeded"]);
    // Initiated three times (503, reset, answered), then the file sent once.
    expect(fal.seen.filter((s) => s.op === "upload").map((s) => [s.path.split("?")[0], s.act])).toEqual([
      ["/storage/upload/initiate", 503],
      ["/storage/upload/initiate", "reset"],
      ["/storage/upload/initiate", "pass"],
      [expect.stringMatching(/^\/storage\/upload\/blob\//), "pass"],
    ]);
  });

  it("a submit answered 503 or 429 is sent again only by the runner, each send journaled once", async () => {
    const script = (op: FalOp, n: number): Act => {
      if (op !== "submit") return "pass";
      if (n === 0) return { status: 503 };
      if (n === 1) return { status: 429, headers: { "retry-after": "5" } };
      return "pass";
    };
    const { fal, result, outcomes, outputDir, traffic, elapsed } = await runThrough(script, [
      "On white",
      "On a street",
    ]);
    expect(result.end).toBe("completed");
    expect(outcomes.map((o) => o.status)).toEqual(["succeeded", "succeeded"]);
    // Two failed sends and one good one each: four at fal, four observed, four journaled.
    expect(fal.seen.filter((s) => s.op === "submit").map((s) => s.act)).toEqual([503, 429, "pass", "pass"]);
    expect(traffic.counts.get("submit")).toBe(4);
    // The runner saw the 503 and retried it (a 429 spends no attempt: the gate waited for it).
    const retries = outcomes.flatMap(retriesOf);
    expect(retries).toEqual([["submit", 1, "scripted 503"]]);
    const lines = await journalEntries(outputDir);
    expect(lines.filter((l) => l.type === "submitting")).toHaveLength(4);
    expect(lines.filter((l) => l.type === "submitted")).toHaveLength(2);
    // The 429's Retry-After held the next send, on the virtual clock.
    expect(traffic.rateLimited).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(5000);
  });
});
