import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-selection";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
describe("--only, --limit and --retry-failed merge into the report and gallery", () => {
  it("a run over some jobs keeps the others as they were, in report.json and in the gallery", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
    await writeFile(
      join(dir, "m.yaml"),
      `name: sel
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows:
  - { sku: S1, name: boot }
  - { sku: S2, name: forbidden boot }
  - { sku: S3, name: shoe }
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`,
    );
    emulator = await emulators.start({
      apiKeys: [KEY],
      render: "fast",
      inferenceMs: 10,
      blockedWords: ["forbidden"],
    });
    const out = join(dir, "out");
    const run = (...more: string[]) =>
      runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator?.url ?? "", ...more], {
        env: { FAL_KEY: KEY },
      });
    const report = async () =>
      reportSchema.parse(
        JSON.parse(await readFile(join(out, "sel", "report.json"), "utf8")),
      ) as unknown as Report;
    const statuses = (r: Report) => r.jobs.map((j) => [j.id, j.status, j.request_id]);

    expect((await run("--only", "S1-square")).code).toBe(0);
    const first = await report();
    expect(first.jobs.map((j) => [j.id, j.status])).toEqual([
      ["S1-square", "succeeded"],
      ["S2-square", "not_run"],
      ["S3-square", "not_run"],
    ]);
    expect((await run()).code).toBe(1);
    const full = await report();
    expect(full.jobs.map((j) => [j.id, j.status])).toEqual([
      ["S1-square", "skipped"],
      ["S2-square", "failed"],
      ["S3-square", "succeeded"],
    ]);

    // --only S3 --force: S3 is made again; S1 and S2 stay as the last report had them.
    const only = await run("--only", "S3-*", "--force");
    expect([only.code, only.stdout.split("\n")[0]]).toEqual([0, "1 jobs: 1 succeeded, 0 failed"]);
    const afterOnly = await report();
    expect(statuses(afterOnly).slice(0, 2)).toEqual(statuses(full).slice(0, 2));
    expect(afterOnly.jobs[2]?.status).toBe("succeeded");
    expect(afterOnly.jobs[2]?.request_id).not.toBe(full.jobs[2]?.request_id);
    expect(afterOnly.totals).toMatchObject({ jobs: 3, succeeded: 1, skipped: 1, failed: 1 });
    const page = await readFile(join(out, "sel", ".gallery", "data", "page-1.js"), "utf8");
    expect(page.match(/"i":"S\d-square","s":"\w+"/g)).toEqual([
      '"i":"S1-square","s":"skipped"',
      '"i":"S2-square","s":"failed"',
      '"i":"S3-square","s":"succeeded"',
    ]);

    // --retry-failed and --limit take one job each; the report still has all three.
    expect((await run("--retry-failed")).code).toBe(1);
    expect(statuses(await report()).filter((s) => s[0] !== "S2-square")).toEqual(
      statuses(afterOnly).filter((s) => s[0] !== "S2-square"),
    );
    expect((await run("--limit", "1")).code).toBe(0);
    expect((await report()).jobs.map((j) => [j.id, j.status])).toEqual([
      ["S1-square", "skipped"],
      ["S2-square", "failed"],
      ["S3-square", "succeeded"],
    ]);
  }, 90_000);
});
