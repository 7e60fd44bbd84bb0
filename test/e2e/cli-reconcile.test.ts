import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { runArgs, verifiedByDoctor } from "../helpers/e2e-run.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { runCli, startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-reconcile-e2e";
const JOBS = 6;
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** 3 prompts × 2 sizes over one local image; `bound` is --start-timeout and --max-run-time. */
async function setUp(options: EmulatorOptions, bound: readonly [string, string]) {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 320, 240, "#558833");
  const prompts = Array.from({ length: JOBS / 2 }, (_, i) => `  p${i}: Product shot number ${i}.`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: doubt\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts:\n${prompts}\nsizes: { s: square, l: landscape_4_3 }\n`,
  );
  emulator = await emulators.start({ apiKeys: [KEY], render: "fast", concurrency: 3, ...options });
  const out = join(dir, "out");
  const args = runArgs(
    join(dir, "m.yaml"),
    out,
    emulator.url,
    "-c",
    "3",
    "--start-timeout",
    bound[0],
    "--max-run-time",
    bound[1],
  );
  return { out, args, em: emulator, manifest: join(dir, "m.yaml") };
}

async function report(out: string): Promise<Report> {
  return reportSchema.parse(
    JSON.parse(await readFile(join(out, "doubt", "report.json"), "utf8")),
  ) as unknown as Report;
}

/** Every job delivered, its image on disk at the size it asked for. */
async function expectAllDelivered(out: string): Promise<Report> {
  const rep = await report(out);
  expect(rep.totals).toMatchObject({ jobs: JOBS, failed: 0, unfinished: 0, not_run: 0 });
  expect(rep.totals.succeeded + rep.totals.skipped).toBe(JOBS);
  for (const job of rep.jobs) {
    const meta = await sharp(join(out, "doubt", job.outputs[0]?.path ?? "")).metadata();
    expect([meta.width, meta.height]).toEqual(job.size_name === "s" ? [1920, 1920] : [2560, 1920]);
  }
  return rep;
}

const warnings = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => /"level":(40|50)/.test(l))
    .join("\n");

describe("submits whose answer never came back, reconciled with fal's request history", () => {
  it("SIGKILL while fal holds accepted submits unanswered: the next run finds them in the history and attaches, paying nothing twice", async () => {
    // A bound of 10 min: nothing can be sent again by the bound passing, only found.
    const { out, args, em } = await setUp({ inferenceMs: 20, faults: { delaySubmitAnswerMs: "hold" } }, [
      "5m",
      "5m",
    ]);
    const run = startCli(args, { env: { FAL_KEY: KEY } });
    await em.waitFor((s) => s.submits.accepted >= 3);
    run.child.kill("SIGKILL");
    await run.done;
    const held = em.stats().submits.accepted;
    em.setFaults({});
    // What the killed run left: intents with the input's digest, no request id.
    const left = await journalEntries(join(out, "doubt"));
    expect(
      left.filter((e) => e.type === "submitting" && e.digest !== undefined).length,
    ).toBeGreaterThanOrEqual(3);
    expect(left.filter((e) => e.type === "submitted")).toHaveLength(0);

    const again = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(again.code, warnings(again.stderr)).toBe(0);
    expect(again.stderr.match(/found in fal's request history/g)).toHaveLength(held);
    const rep = await expectAllDelivered(out);
    // 0 bodies accepted twice; the requests held at the kill are the jobs' requests now.
    expect(em.stats().submits).toMatchObject({ accepted: JOBS, duplicates: 0 });
    expect(em.stats().submits.unanswered).toBe(held);
    expect(new Set(rep.jobs.map((j) => j.request_id)).size).toBe(JOBS);
  });

  it("SIGKILL after a submit that fal never accepted: the next run says it waits, then sends it once the bound has passed", async () => {
    // The next run must start within the bound to be seen waiting: at load 20 it reached its
    // decision 6 s after the cut submits, past a 4 s bound. 15 s leaves room; the wait costs no CPU.
    const { out, args, em, manifest } = await setUp({ inferenceMs: 20, faults: { resetSubmitRate: 1 } }, [
      "10s",
      "5s",
    ]);
    // doctor --live verified that fal's history lists a request by its exact input (its request: 1 accepted).
    await verifiedByDoctor(em, manifest, out, KEY, { resetSubmitRate: 1 });
    const run = startCli(args, { env: { FAL_KEY: KEY } });
    await em.waitFor(() => em.requests.filter((r) => r.op === "submit").length >= 3);
    run.child.kill("SIGKILL");
    await run.done;
    em.setFaults({});
    expect(em.stats().submits.accepted).toBe(1);

    const again = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(again.code, warnings(again.stderr)).toBe(0);
    expect(again.stderr).toContain("in doubt, being reconciled: waiting for fal's request history");
    expect(again.stderr).toContain("fal never accepted it");
    await expectAllDelivered(out);
    expect(em.stats().submits).toMatchObject({ accepted: JOBS + 1, duplicates: 0, unanswered: 0 });
  });

  it("a connection broken after fal accepted the submit: found in the same run, followed, paid once", async () => {
    const { out, args, em } = await setUp({ inferenceMs: 20, faults: { dropSubmitAnswerRate: 1 } }, [
      "5m",
      "5m",
    ]);
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect(r.stderr.match(/submit in doubt: looking for it in fal's request history/g)).toHaveLength(JOBS);
    await expectAllDelivered(out);
    expect(em.stats().submits).toMatchObject({ accepted: JOBS, duplicates: 0, unanswered: JOBS });
  });

  it("a connection broken before fal accepted the submit: looked up, then sent again in the same run once the bound has passed", async () => {
    const { out, args, em, manifest } = await setUp({ inferenceMs: 20, faults: { resetSubmitRate: 1 } }, [
      "2s",
      "1s",
    ]);
    await verifiedByDoctor(em, manifest, out, KEY, { resetSubmitRate: 1 });
    const run = startCli(args, { env: { FAL_KEY: KEY } });
    await em.waitFor(() => em.requests.filter((r) => r.op === "submit").length >= 3);
    em.setFaults({});
    const r = await run.done;
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect(r.stderr).toContain("fal never accepted it");
    await expectAllDelivered(out);
    // The cut-off submits were never accepted; each job's body was accepted once (and doctor's).
    expect(em.stats().submits).toMatchObject({ accepted: JOBS + 1, duplicates: 0, unanswered: 0 });
    expect(em.requests.filter((q) => q.op === "submit").length).toBeGreaterThan(JOBS + 1);
  });
});
