import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-source-test";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
const MANIFEST = `name: trap
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows: [{ sku: A, name: Alpha }, { sku: B, name: Beta }, { sku: C, name: Gamma }]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`;

const submits = (em: Emulator) => em.requests.filter((r) => r.op === "submit" && r.status === 200);

/** The trap manifest in a new folder, and a run of it into `out` with more arguments. */
async function setUp() {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
  await writeFile(join(dir, "m.yaml"), MANIFEST);
  const out = join(dir, "out");
  const run = (...more: string[]) =>
    runCli(["run", join(dir, "m.yaml"), "-o", out, ...more], { env: { FAL_KEY: KEY } });
  return { out, run };
}

describe("a folder made against one fal target, run against another", () => {
  it("regenerates every job the built-in emulator made when run against a base URL, and says why", async () => {
    const { out, run } = await setUp();

    const first = await run("--emulator", "--emulator-time-scale", "0.001");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("3 jobs: 3 succeeded, 0 failed");
    // Again on the built-in emulator (another port): up to date.
    expect((await run("--emulator", "--emulator-time-scale", "0.001")).stdout).toContain(
      "3 jobs: 0 succeeded, 3 up to date, 0 failed",
    );

    emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: { min: 10, max: 30 } });
    const real = await run("--fal-base-url", emulator.url);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain("3 jobs: 3 succeeded, 0 failed");
    expect(submits(emulator)).toHaveLength(3);
    const warnings = real.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40)
      .map((l) => l.msg);
    expect(warnings).toEqual([`3 jobs were made against the emulator; regenerating for ${emulator.url}`]);
    const journal = (await readFile(join(out, "trap", ".state", "journal.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; source?: string });
    expect(journal.filter((e) => e.type === "submitted").map((e) => e.source)).toEqual([
      ...Array(3).fill("emulator"),
      ...Array(3).fill(emulator.url),
    ]);

    // Now made against that target: the next run there sends nothing.
    const again = await run("--fal-base-url", emulator.url);
    expect(again.stdout).toContain("3 jobs: 0 succeeded, 3 up to date, 0 failed");
    expect(again.stderr).not.toContain("regenerating");
    expect(submits(emulator)).toHaveLength(3);
  });

  it("leaves alone a job whose request is pending at fal itself: a run against the emulator never makes fal's paid request forgotten", async () => {
    const { out, run } = await setUp();
    expect((await run("--emulator", "--emulator-time-scale", "0.001")).code).toBe(0);
    // As a night against fal leaves it when killed while job A's request runs there.
    const path = join(out, "trap", ".state", "journal.jsonl");
    const lines = (await readFile(path, "utf8")).trim().split("\n");
    const a = lines
      .map((l) => JSON.parse(l) as { type: string; job?: string; key: string })
      .find((e) => e.type === "submitted" && e.job === "A-square");
    const pending = {
      t: Date.now(),
      type: "submitted",
      key: a?.key,
      job: "A-square",
      request: "5e1f0c2a-7b3d-4c8e-9a6f-0d2b4e6f8a10",
      endpoint: "fal-ai/bytedance/seedream/v4.5/edit",
      source: "fal",
    };
    await writeFile(path, `${lines.join("\n")}\n${JSON.stringify(pending)}\n`);

    const r = await run("--emulator", "--emulator-time-scale", "0.001");
    const rep = JSON.parse(await readFile(join(out, "trap", "report.json"), "utf8")) as {
      jobs: Array<{ id: string; status: string; error?: { message: string } }>;
    };
    const jobA = rep.jobs.find((j) => j.id === "A-square");
    expect(jobA?.status).toBe("not_run");
    expect(jobA?.error?.message).toMatch(
      /^its request 5e1f0c2a-7b3d-4c8e-9a6f-0d2b4e6f8a10 is pending at fal .*a run against fal collects it/,
    );
    expect(rep.jobs.filter((j) => j.id !== "A-square").map((j) => j.status)).toEqual(["skipped", "skipped"]);
    expect(r.code).toBe(1);
    // The journal still ends with fal's request for A: a run against fal re-attaches to it.
    const after = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { key?: string; type: string });
    expect(after.filter((e) => e.key === a?.key).at(-1)).toMatchObject({ type: "submitted", source: "fal" });
  });
});
