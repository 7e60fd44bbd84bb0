import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { createRandom } from "../../src/emulator/options.js";
import type { Report } from "../../src/report/index.js";
import { parseJournal } from "../../src/run/journal.js";
import { writePng } from "../helpers/images.js";
import { startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-crash-test";
const TRIALS = 10;
const tempDir = useTempDirs();

describe("kill -9 at any instant", () => {
  it(`never pays twice and never loses or corrupts an image (${TRIALS} trials)`, async () => {
    const killPoints = new Map<string, number>();
    let kills = 0;
    let inDoubtTotal = 0;
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
      const args = [
        "run",
        join(dir, "m.yaml"),
        "-o",
        out,
        "--fal-base-url",
        emulator.url,
        "--retry-backoff",
        "20ms",
      ];
      try {
        let done = false;
        for (let attempt = 0; attempt < 40 && !done; attempt++) {
          const run = startCli(args, { env: { FAL_KEY: KEY } });
          // Later attempts are let run longer, so every trial ends.
          const delay = 150 + rnd() * (500 + attempt * 150);
          let killed = false;
          const timer = setTimeout(() => {
            killed = true;
            kills += 1;
            run.child.kill("SIGKILL");
          }, delay);
          const r = await run.done;
          clearTimeout(timer);
          if (!killed) {
            // Finished: 0, or 1 when a job is reported in doubt (a submit cut off by a kill).
            expect([0, 1], r.stderr).toContain(r.code);
            done = true;
          } else {
            const journal = await readFile(join(out, "crash", ".state", "journal.jsonl"), "utf8").catch(
              () => "",
            );
            const last = parseJournal(journal).entries.at(-1)?.type ?? "(nothing journaled)";
            killPoints.set(last, (killPoints.get(last) ?? 0) + 1);
          }
        }
        expect(done).toBe(true);
        const { entries } = parseJournal(
          await readFile(join(out, "crash", ".state", "journal.jsonl"), "utf8"),
        );
        const submitted = emulator.requests
          .filter((r) => r.op === "submit" && r.status === 200)
          .map((r) => r.requestId);
        const journaled = entries.flatMap((e) => (e.type === "submitted" ? [e] : []));
        const report = JSON.parse(await readFile(join(out, "crash", "report.json"), "utf8")) as Report;
        // Jobs a kill cut off mid-submit (in this run or an earlier one): fal may hold one request
        // for each that we never learnt of; they are reported, not sent again.
        const inDoubtKeys = new Set(
          entries.flatMap((e) => (e.type === "failed" && e.class === "in-doubt" ? [e.key] : [])),
        );
        const inDoubt = report.jobs.filter((j) => inDoubtKeys.has(j.key));
        inDoubtTotal += inDoubt.length;
        // 0 double submits: one journaled request per job key, and every request fal accepted is
        // either journaled or the single cut-off submit of an in-doubt job.
        expect(new Set(journaled.map((e) => e.key)).size).toBe(journaled.length);
        for (const id of journaled.map((e) => e.request)) expect(submitted).toContain(id);
        expect(submitted.length - journaled.length).toBeLessThanOrEqual(inDoubt.length);
        expect(submitted.length).toBeLessThanOrEqual(12);
        // Every job accounted for, every image whole and as the report says.
        expect(report.totals.succeeded + report.totals.skipped + inDoubt.length).toBe(12);
        for (const job of report.jobs.filter((j) => !inDoubtKeys.has(j.key))) {
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
      `crash test: ${TRIALS} trials, ${kills} SIGKILLs, ${inDoubtTotal} jobs in doubt; last journal entry before each kill: ${JSON.stringify(Object.fromEntries(killPoints))}`,
    );
    expect(kills).toBeGreaterThanOrEqual(TRIALS);
  }, 240_000);
});
