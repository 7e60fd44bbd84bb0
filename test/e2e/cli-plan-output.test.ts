import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-plan-output-test";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
const manifest = (rows: string) => `name: shop
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows: [${rows}]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`;

describe("plan and --dry-run with an output folder", () => {
  it("tell the jobs to run and their cost, the up to date and the failed, as the run then does", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
    const m = join(dir, "m.yaml");
    await writeFile(
      m,
      manifest(`{ sku: A, name: Alpha }, { sku: B, name: Beta }, { sku: C, name: forbidden }`),
    );
    emulator = await emulators.start({
      apiKeys: [KEY],
      render: "fast",
      inferenceMs: 10,
      blockedWords: ["forbidden"],
    });
    const url = emulator.url;
    const out = join(dir, "out");
    const env = { FAL_KEY: KEY };
    expect((await runCli(["run", m, "-o", out, "--fal-base-url", url], { env })).code).toBe(1);
    const sent = () => emulator?.requests.filter((r) => r.op === "submit").length;
    expect(sent()).toBe(3);

    // Tonight: B's row changed and D is new; A is done, C failed for good.
    await writeFile(
      m,
      manifest(
        `{ sku: A, name: Alpha }, { sku: B, name: Beta 2 }, { sku: C, name: forbidden }, { sku: D, name: Delta }`,
      ),
    );
    const plan = await runCli(["plan", m, "-o", out, "--fal-base-url", url], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout.slice(plan.stdout.indexOf("\nin "))).toBe(
      [
        "",
        `in out/shop/, against ${url}:`,
        "  to run      2 jobs, 2 images, $0.080",
        "  up to date  1 job",
        "  failed      1 job (failed for good: --retry-failed sends them again)",
        "",
      ].join("\n"),
    );
    const dry = await runCli(["run", m, "--dry-run", "-o", out, "--fal-base-url", url], { cwd: dir, env });
    expect(dry.stdout).toBe(plan.stdout);

    const json = JSON.parse(
      (await runCli(["plan", m, "-o", out, "--fal-base-url", url, "--json"], { cwd: dir })).stdout,
    );
    expect(json.output).toMatchObject({
      dir: "out/shop",
      against: url,
      to_run: { jobs: 2, cost_usd: { min: 0.08, max: 0.08 } },
      up_to_date: 1,
      failed: 1,
    });
    expect(json.jobs.map((j: { id: string; will: string }) => `${j.id}:${j.will}`)).toEqual([
      "A-square:up-to-date",
      "B-square:to-run",
      "C-square:failed",
      "D-square:to-run",
    ]);
    // Against the emulator nothing made here counts: it says so.
    const other = await runCli(["plan", m, "-o", out, "--emulator"], { cwd: dir });
    expect(other.stdout).toContain("  to run      4 jobs, 4 images, $0.160\n");
    expect(other.stdout).toContain(
      `warning: 2 jobs were made against ${url}; regenerating for the emulator\n`,
    );

    // Nothing was sent by plan or --dry-run; the run then does what they said.
    expect(sent()).toBe(3);
    const run = await runCli(["run", m, "-o", out, "--fal-base-url", url], { env });
    // The job that failed for good is not sent again: not run.
    expect(run.stdout).toContain("4 jobs: 2 succeeded, 1 up to date, 0 failed, 1 not run\n");
    expect(sent()).toBe(5);
  });
});
