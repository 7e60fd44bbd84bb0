import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { verifiedByDoctor } from "../helpers/e2e-run.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-outage-test";
const JOBS = 16;
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** 8 prompts × 2 sizes over one local image, on an emulator of capacity 3. */
async function setUp() {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 320, 240, "#336699");
  const prompts = Array.from({ length: JOBS / 2 }, (_, i) => `  p${i}: Product shot number ${i}.`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: outage\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts:\n${prompts}\nsizes: { s: square, l: landscape_4_3 }\n`,
  );
  emulator = await emulators.start({
    apiKeys: [KEY],
    render: "fast",
    concurrency: 3,
    inferenceMs: { min: 150, max: 400 },
  });
  const out = join(dir, "out");
  // A submit the outage cut before fal accepted it is sent again only where doctor --live verified
  // the history (its one request counts below).
  await verifiedByDoctor(emulator, join(dir, "m.yaml"), out, KEY, {});
  // A retry budget far shorter than the outage: 5 attempts, 20 ms backoff.
  const args = (...extra: string[]) => [
    "run",
    join(dir, "m.yaml"),
    "-o",
    out,
    "--fal-base-url",
    emulator?.url ?? "",
    "--retry-backoff",
    "20ms",
    // A submit the outage cut mid-flight is reconciled with fal's history; bounded at 7 s here.
    "--start-timeout",
    "5s",
    "--max-run-time",
    "2s",
    ...extra,
  ];
  return { out, args };
}

async function report(out: string): Promise<Report> {
  return reportSchema.parse(
    JSON.parse(await readFile(join(out, "outage", "report.json"), "utf8")),
  ) as unknown as Report;
}

/** Resolves once fal (the emulator) has accepted `n` submits. */
function accepted(em: Emulator, n: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (em.stats().submits.accepted >= n) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
}

describe("fal refusing every connection in the middle of a run", () => {
  it("outlasting --outage-timeout: exit 69, nothing failed, nothing paid twice; the next run finishes every job", async () => {
    const { out, args } = await setUp();
    const em = emulator as Emulator;
    const run = startCli(args("--outage-timeout", "3s"), { env: { FAL_KEY: KEY } });
    await accepted(em, 5);
    em.outage({ kind: "refuse" });
    const r = await run.done;
    expect(
      r.code,
      r.stderr
        .split("\n")
        .filter((l) => /"level":(40|50)/.test(l))
        .join("\n"),
    ).toBe(69);
    expect(r.stderr).toContain("seedream-pipeline: fal was unavailable past --outage-timeout");
    expect(r.stderr).toContain("fal is not answering");
    const rep = await report(out);
    expect(rep.run.ended_by).toBe("fal_unavailable");
    expect(rep.totals.failed).toBe(0);
    expect(rep.totals.succeeded).toBeLessThan(JOBS);
    expect(em.stats().submits.duplicates).toBe(0);
    const paidBefore = em.stats().submits.accepted;

    await em.endOutage();
    const again = await runCli(args(), { env: { FAL_KEY: KEY } });
    expect(again.code, again.stderr).toBe(0);
    const done = await report(out);
    expect(done.totals).toMatchObject({ failed: 0, unfinished: 0, not_run: 0 });
    expect(done.totals.succeeded + done.totals.skipped).toBe(JOBS);
    for (const job of done.jobs) {
      const path = job.outputs[0]?.path ?? "";
      const meta = await sharp(join(out, "outage", path)).metadata();
      expect([meta.width, meta.height]).toEqual(job.size_name === "s" ? [1920, 1920] : [2560, 1920]);
    }
    // Every body fal accepted once: the requests paid during the outage were attached, not sent again.
    expect(em.stats().submits).toMatchObject({ accepted: JOBS + 1, duplicates: 0 });
    expect(paidBefore).toBeGreaterThanOrEqual(4);
  });

  it("shorter than --outage-timeout but longer than the retry budget: the run waits it out, nothing failed, nothing paid twice", async () => {
    const { out, args } = await setUp();
    const em = emulator as Emulator;
    const run = startCli(args("--outage-timeout", "5m"), { env: { FAL_KEY: KEY } });
    await accepted(em, 5);
    em.outage({ kind: "refuse", durationMs: 2500 });
    const r = await run.done;
    const rep = await report(out);
    expect(
      r.code,
      r.stderr
        .split("\n")
        .filter((l) => /"level":(40|50)/.test(l))
        .join("\n"),
    ).toBe(0);
    expect(r.stderr).toContain("fal answers again");
    expect(rep.totals).toMatchObject({ jobs: JOBS, succeeded: JOBS, failed: 0, unfinished: 0 });
    expect(em.stats().submits).toMatchObject({ accepted: JOBS + 1, duplicates: 0 });
  });

  it("SIGTERM while fal is away ends the run at once (exit 143), nothing failed, not after --outage-timeout", async () => {
    const { out, args } = await setUp();
    const em = emulator as Emulator;
    const run = startCli(args("--outage-timeout", "10m"), { env: { FAL_KEY: KEY } });
    let stderr = "";
    run.child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await accepted(em, 5);
    em.outage({ kind: "refuse" });
    await until(() => stderr.includes("fal is not answering"), "the run to see fal away");
    run.child.kill("SIGTERM");
    // Before: calls waiting at the outage gate (and in backoff) held the exit for minutes.
    const ended = await Promise.race([
      run.done,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20_000)),
    ]);
    if (!ended) run.child.kill("SIGKILL");
    expect(ended?.code).toBe(143);
    const rep = await report(out);
    expect(rep.run.ended_by).toBe("interrupted");
    expect(rep.totals.failed).toBe(0);
  });
});
