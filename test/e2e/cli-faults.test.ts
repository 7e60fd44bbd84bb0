import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli, startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-faults-test";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** A manifest of `prompts` × 2 sizes over one local image, and the emulator to run it on. */
async function setUp(prompts: number, options: EmulatorOptions, extraPrompt?: string) {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 320, 240, "#4477aa");
  const lines = Array.from({ length: prompts }, (_, i) => `  p${i}: Product shot number ${i}.`);
  if (extraPrompt) lines.push(`  bad: ${extraPrompt}`);
  await writeFile(
    join(dir, "m.yaml"),
    `name: faults\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts:\n${lines.join("\n")}\nsizes: { s: square, l: landscape_4_3 }\n`,
  );
  emulator = await emulators.start({ apiKeys: [KEY], render: "fast", ...options });
  return { dir, manifest: join(dir, "m.yaml"), out: join(dir, "out") };
}

async function report(out: string): Promise<Report> {
  return reportSchema.parse(
    JSON.parse(await readFile(join(out, "faults", "report.json"), "utf8")),
  ) as unknown as Report;
}

/** Submits per request id, from the emulator's own record. */
function submitsOf(em: Emulator): string[] {
  return em.requests.filter((r) => r.op === "submit" && r.status === 200).map((r) => r.requestId ?? "");
}

describe("runs against a faulty fal", () => {
  it("ends every job succeeded, or failed with its permanent cause, through 429s and transient faults", async () => {
    const { manifest, out } = await setUp(
      15,
      {
        concurrency: 4,
        inferenceMs: { min: 20, max: 80 },
        faults: {
          rateLimit: { perSecond: 40, burst: 10, retryAfter: "seconds" },
          statusErrorRate: 0.05,
          resultErrorRate: 0.05,
          resetRate: 0.03,
          failRequests: 0.08,
          truncateDownloads: 0.05,
        },
        blockedWords: ["forbidden"],
      },
      "A forbidden picture.",
    );
    const r = await runCli(
      ["run", manifest, "-o", out, "--fal-base-url", emulator?.url ?? "", "--retry-backoff", "50ms"],
      {
        env: { FAL_KEY: KEY },
      },
    );
    const rep = await report(out);
    expect(rep.totals.jobs).toBe(32);
    // The two content-policy jobs fail for good; every other job gets its image, unless fal's
    // runner failed each of its requests (8 % a request here): such a job is left unfinished for
    // the next run, never failed for good, and every request it sent failed at fal.
    const notMade = rep.jobs.filter((j) => j.status !== "succeeded");
    const unlucky = notMade.filter(
      (j) => j.status === "unfinished" && j.error?.error_type === "runner_error",
    );
    for (const job of unlucky) expect(job.attempts?.length, JSON.stringify(job.attempts)).toBe(3);
    expect(
      notMade.filter((j) => !unlucky.includes(j)).map((j) => [j.id, j.status, j.error?.class]),
      JSON.stringify(notMade.map((j) => j.error)),
    ).toEqual([
      ["bad-s", "failed", "permanent"],
      ["bad-l", "failed", "permanent"],
    ]);
    expect(r.code).toBe(1);
    for (const job of rep.jobs.filter((j) => j.status === "succeeded")) {
      const meta = await sharp(join(out, "faults", job.outputs[0]?.path ?? "")).metadata();
      expect([meta.width, meta.height]).toEqual(job.size_name === "s" ? [1920, 1920] : [2560, 1920]);
    }
    // No job was submitted twice unless fal reported its earlier request failed.
    const em = emulator as Emulator;
    const failedAtFal = new Set(
      em
        .stats()
        .requests.filter((q) => q.outcome === "error")
        .map((q) => q.id),
    );
    for (const job of rep.jobs) {
      const attempts = job.attempts ?? [];
      for (const earlier of attempts.slice(0, -1)) {
        expect(earlier.outcome).toBe("resubmitted");
        expect(failedAtFal.has(earlier.request_id)).toBe(true);
      }
    }
    const submitted = submitsOf(em);
    expect(submitted.length).toBe(rep.jobs.reduce((n, j) => n + (j.attempts?.length ?? 0), 0));
    expect(new Set(submitted).size).toBe(submitted.length);
    // 429s were met, and no call went before the time a 429 named: counted on the connection
    // that carried the 429, where the client provably had it (not by arrival times, which a
    // loaded machine stretches).
    expect(em.stats().rateLimited).toBeGreaterThan(0);
    expect(em.stats().provenEarlySends).toBe(0);
    expect(rep.jobs.some((j) => (j.retries ?? []).length > 0)).toBe(true);
  });

  it("learns completion from the status stream: three calls a job, no polling flood", async () => {
    // fal holds each request until the test lets it go, one at a time, and only once fal is as
    // full as the run keeps it (3 running, 2 more waiting: C + buffer) or every job is sent. With
    // timed jobs, a loaded machine let them finish before the slow client filled the slots: it
    // then saw 2 running at most, and rightly learnt 2.
    const { manifest, out } = await setUp(10, { concurrency: 3, inferenceMs: "hold" });
    const em = emulator as Emulator;
    const run = startCli(["run", manifest, "-o", out, "--fal-base-url", em.url], { env: { FAL_KEY: KEY } });
    let ended = false;
    const done = run.done.then((r) => {
      ended = true;
      return r;
    });
    let released = 0;
    while (!ended) {
      await Promise.race([
        done,
        em.waitFor((s) => {
          const { running, queued } = em.load();
          const completed = s.requests.filter((q) => q.completedAt !== undefined).length;
          return (
            completed >= released &&
            running > 0 &&
            ((running === 3 && queued >= 2) || s.requests.length === 20)
          );
        }),
      ]);
      if (!ended && em.release()) released += 1;
    }
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const calls = em.stats().calls;
    expect([calls.submit, calls["status-stream"], calls.result, calls.status ?? 0]).toEqual([20, 20, 20, 0]);
    const rep = await report(out);
    // Learnt from our own requests. Status events of different requests come on different
    // connections, so a start can be seen just before the finish that freed its slot: C or C + 1.
    expect(rep.run.concurrency.mode).toBe("auto");
    expect([3, 4]).toContain(rep.run.concurrency.capacity_estimate);
    expect(em.stats().maxQueued).toBeLessThanOrEqual(3 + 3);
  });

  it("stops at a 401 on submit with exit 2 and submits nothing more", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "m.yaml"),
      "name: faults\nmodel: seedream-v4.5\nimages: { a: https://img.example/a.png }\nprompts: { a: one, b: two, c: three }\n",
    );
    emulator = await emulators.start({ apiKeys: ["another-key"], render: "fast" });
    const out = join(dir, "out");
    const r = await runCli(
      ["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator.url, "-c", "1"],
      {
        env: { FAL_KEY: KEY },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("seedream-pipeline: fal rejected the credentials: Invalid API key\n");
    // The model's schema and the prices are asked first; a refusal there is no reason to stop (a
    // shipped schema and the built-in prices stand in, and those endpoints may want another key scope).
    expect(emulator.requests.map((q) => [q.op, q.status])).toEqual([
      ["models", 401],
      ["pricing", 401],
      ["submit", 401],
    ]);
    const rep = await report(out);
    expect(rep.run.ended_by).toBe("credentials_rejected");
    // A rejected key is not the job's fault: it is left for the next run (with a good key).
    expect(rep.totals).toMatchObject({ jobs: 3, failed: 0, unfinished: 1, not_run: 2 });
  });

  it("cancels a request at fal when the job timeout fires, and fails the job with that cause", async () => {
    const { manifest, out } = await setUp(1, { concurrency: 2, inferenceMs: "hold" });
    const r = await runCli(
      ["run", manifest, "-o", out, "--fal-base-url", emulator?.url ?? "", "--job-timeout", "300ms"],
      {
        env: { FAL_KEY: KEY },
      },
    );
    expect(r.code).toBe(1);
    const rep = await report(out);
    expect(rep.jobs.map((j) => [j.status, j.error?.stage, j.error?.message])).toEqual([
      ["failed", "timeout", "no result 300 ms after submit; canceled at fal"],
      ["failed", "timeout", "no result 300 ms after submit; canceled at fal"],
    ]);
    expect((emulator as Emulator).requests.filter((q) => q.op === "cancel").map((q) => q.status)).toEqual([
      202, 202,
    ]);
  });

  it("at the deadline stops submitting, cancels what waits at fal, exits 3 with the rest not run", async () => {
    const { manifest, out } = await setUp(4, { concurrency: 1, inferenceMs: "hold" });
    const r = await runCli(
      [
        "run",
        manifest,
        "-o",
        out,
        "--fal-base-url",
        emulator?.url ?? "",
        "-c",
        "2",
        // Long enough for the two submits to be made on a loaded machine (jobs are held at fal,
        // so nothing finishes before it), short enough to keep the test quick.
        "--deadline",
        "2s",
        "--deadline-action",
        "cancel",
      ],
      { env: { FAL_KEY: KEY } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("seedream-pipeline: the deadline passed: 8 jobs not run\n");
    const rep = await report(out);
    expect(rep.run.ended_by).toBe("deadline");
    expect(rep.totals).toMatchObject({ jobs: 8, succeeded: 0, canceled: 2, not_run: 6 });
    expect(submitsOf(emulator as Emulator)).toHaveLength(2);
  });

  it("a request queued past --start-timeout fails with fal's 504, not resubmitted", async () => {
    const { manifest, out } = await setUp(1, { concurrency: 1, inferenceMs: "hold" });
    const run = runCli(
      ["run", manifest, "-o", out, "--fal-base-url", emulator?.url ?? "", "-c", "2", "--start-timeout", "2s"],
      {
        env: { FAL_KEY: KEY },
      },
    );
    // The first request holds the only slot; the second waits past its start timeout. Then the
    // first is let go.
    const em = emulator as Emulator;
    while (em.load().running === 0) await new Promise((resolve) => setImmediate(resolve));
    const waitForExpiry = async () => {
      while (!em.stats().requests.some((q) => q.outcome === "error"))
        await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await waitForExpiry();
    em.release();
    const r = await run;
    expect(r.code).toBe(1);
    const rep = await report(out);
    const failed = rep.jobs.find((j) => j.status === "failed");
    expect(failed?.error).toMatchObject({
      stage: "result",
      status: 504,
      error_type: "request_timeout",
      class: "permanent",
    });
    expect(submitsOf(em)).toHaveLength(2);
  });
});
