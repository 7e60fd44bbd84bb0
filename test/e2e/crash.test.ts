import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { createRandom } from "../../src/emulator/options.js";
import type { Report } from "../../src/report/index.js";
import { runArgs, verifiedByDoctor } from "../helpers/e2e-run.js";
import { writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-crash-test";
const TRIALS = 10;
/** Calls an uninterrupted run makes at fal: models, pricing, the upload (2), then per job submit, status stream, result, image. */
const CALLS_A_RUN = 4 + 12 * 4;
const tempDir = useTempDirs();

describe("kill -9 at any instant", () => {
  it(`never pays twice and never loses or corrupts an image (${TRIALS} trials)`, async () => {
    const killPoints = new Map<string, number>();
    let kills = 0;
    let inDoubtTotal = 0;
    let unansweredTotal = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const rnd = createRandom(1000 + trial);
      const dir = await tempDir();
      await writePng(join(dir, "in.png"), 320, 240, "#aa7744");
      const rows = Array.from({ length: 6 }, (_, i) => `  - { sku: P${i} }`).join("\n");
      await writeFile(
        join(dir, "m.yaml"),
        `name: crash\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts: { p: "Product {{sku}}" }\nsizes: { s: square, l: landscape_4_3 }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: p }]\n`,
      );
      const emulator = await startEmulator({
        apiKeys: [KEY],
        concurrency: 3,
        inferenceMs: { min: 20, max: 120 },
        render: "fast",
        randomSeed: trial + 1,
      });
      const out = join(dir, "out");
      const args = runArgs(
        join(dir, "m.yaml"),
        out,
        emulator.url,
        "--retry-backoff",
        "20ms",
        // A submit a kill cut off is looked up in fal's history; one fal never accepted is sent
        // again once fal could no longer hold it: 3 s queued + 1 s running, here.
        "--start-timeout",
        "3s",
        "--max-run-time",
        "1s",
      );
      try {
        // A submit a kill cut off before fal accepted it is only sent again where doctor --live
        // verified the history lists requests by input; its one request is left out of the figures.
        await verifiedByDoctor(emulator, join(dir, "m.yaml"), out, KEY, {});
        const doctor = emulator.stats();
        let done = false;
        for (let attempt = 0; attempt < 40 && !done; attempt++) {
          const run = startCli(args, { env: { FAL_KEY: KEY } });
          // The kill falls at a random point of the run's work, not of the clock: just after its
          // n-th call reaches fal (n = 0: its start-up, from its first log line), then a random
          // moment later (a write, a journal line, a download under way). Counted in calls, an
          // attempt gets as far on a loaded machine as on a quiet one. The first attempt is cut
          // in the first half of a run's calls, so every trial kills; later ones may go further,
          // so every trial ends.
          const from = emulator.requests.length;
          const nth = Math.floor(rnd() * ((CALLS_A_RUN * (attempt + 1)) / 2 + 1));
          const delay = rnd() * 300;
          let killed = false;
          let ended = false;
          let timer: NodeJS.Timeout | undefined;
          const reached =
            nth === 0
              ? new Promise<unknown>((resolve) => run.child.stderr?.once("data", resolve))
              : emulator.waitFor(() => emulator.requests.length >= from + nth);
          void reached.then(() => {
            if (ended) return;
            timer = setTimeout(() => {
              killed = true;
              kills += 1;
              run.child.kill("SIGKILL");
            }, delay);
          });
          const r = await run.done;
          ended = true;
          clearTimeout(timer);
          if (!killed) {
            expect(r.code, r.stderr).toBe(0);
            done = true;
          } else {
            const last = (await journalEntries(join(out, "crash"))).at(-1)?.type ?? "(nothing journaled)";
            killPoints.set(last, (killPoints.get(last) ?? 0) + 1);
          }
        }
        expect(done).toBe(true);
        const entries = await journalEntries(join(out, "crash"));
        const journaled = entries.flatMap((e) => (e.type === "submitted" ? [e] : []));
        const report = JSON.parse(await readFile(join(out, "crash", "report.json"), "utf8")) as Report;
        // A submit a kill cut off (fal may hold it, its id never seen) was reconciled with fal's
        // request history: found and followed, or sent once fal could no longer hold it.
        inDoubtTotal += report.jobs.filter((j) => j.error?.kind === "in-doubt").length;
        // 0 bodies accepted twice; one request a job, every one fal accepted journaled and followed.
        const { submits } = emulator.stats();
        expect(submits).toMatchObject({ accepted: 12 + doctor.submits.accepted, duplicates: 0 });
        unansweredTotal += submits.unanswered;
        // The folder's spend, counted from the journal across every killed run, is what fal billed.
        const { billing } = emulator.stats();
        expect(report.totals.spend?.all_runs).toMatchObject({
          accepted: { requests: 12 },
          completed: {
            requests: billing.completed - doctor.billing.completed,
            images: billing.images - doctor.billing.images,
            cost_usd: expect.closeTo(billing.costUsd - doctor.billing.costUsd, 9),
          },
          pending: { requests: 0, cost_usd: 0 },
          in_doubt: { requests: 0, cost_usd: 0 },
        });
        expect(journaled).toHaveLength(12);
        expect(new Set(journaled.map((e) => e.key)).size).toBe(12);
        expect(new Set(journaled.map((e) => e.request)).size).toBe(12);
        // Every job delivered, nothing left in doubt; every image whole and as the report says.
        expect(report.totals.succeeded + report.totals.skipped).toBe(12);
        for (const job of report.jobs) {
          expect(["succeeded", "skipped"]).toContain(job.status);
          expect(job.outputs).toHaveLength(1);
          for (const o of job.outputs) {
            const bytes = await readFile(join(out, "crash", o.path));
            expect(createHash("sha256").update(bytes).digest("hex")).toBe(o.sha256);
            const meta = await sharp(bytes).metadata();
            expect([meta.width, meta.height]).toEqual([o.width, o.height]);
            await sharp(bytes, { failOn: "error" }).raw().toBuffer();
          }
        }
      } finally {
        await emulator.close();
      }
    }
    console.log(
      `crash test: ${TRIALS} trials, ${kills} SIGKILLs, ${unansweredTotal} submits accepted whose answer a kill cut off (found in the history), ${inDoubtTotal} jobs left in doubt; last journal entry before each kill: ${JSON.stringify(Object.fromEntries(killPoints))}`,
    );
    expect(inDoubtTotal).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(TRIALS);
  }, 480_000);
});
