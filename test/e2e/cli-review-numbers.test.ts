import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Report, reportSchema } from "../../src/report/index.js";
import { DecisionStore } from "../../src/review/decision-store.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

const manifest = `name: shop
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows: ./products.csv
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`;

async function setUp(): Promise<{ dir: string; m: string; out: string }> {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
  await writeFile(join(dir, "products.csv"), "sku,name\nA,Alpha\nB,Beta\nC,Gamma\n");
  await writeFile(join(dir, "m.yaml"), manifest);
  return { dir, m: join(dir, "m.yaml"), out: join(dir, "out") };
}

async function readReport(out: string): Promise<Report> {
  return reportSchema.parse(JSON.parse(await readFile(join(out, "shop", "report.json"), "utf8"))) as Report;
}

/** Records a reviewer's decision on image 1 of each job named, on the bytes the report holds. */
async function decide(out: string, report: Report, state: "approved" | "rejected", ids: readonly string[]) {
  const store = await DecisionStore.open(join(out, "shop"));
  await store.record(
    report.jobs
      .filter((j) => ids.includes(j.id))
      .map((j) => ({
        key: j.key,
        n: 1,
        job: j.id,
        state,
        sha256: j.outputs[0]?.sha256 ?? "",
        by: "review" as const,
      })),
  );
}

const sidecarSeed = async (out: string, report: Report, id: string) =>
  (
    JSON.parse(
      await readFile(
        join(out, "shop", `${report.jobs.find((j) => j.id === id)?.outputs[0]?.path}.json`),
        "utf8",
      ),
    ) as { seed: unknown }
  ).seed;

describe("numbers a user acts on, over the real CLI on the built-in emulator", { timeout: 240_000 }, () => {
  it("plan -o tells the regeneration of rejected images and its cost, which the run then spends; the new seed stays; a second publish sends nothing", async () => {
    const { dir, m, out } = await setUp();
    const run = () => runCli(["run", m, "-o", out, "--emulator"], { cwd: dir });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    // The emulator bills nothing: the figure is what fal would charge.
    expect(first.stdout).toContain(
      "emulated, nothing spent: on fal this would cost $0.120 for 3 requests completed, 0 pending, 0 in doubt; all runs of this folder would cost $0.120\n",
    );
    expect(first.stdout).not.toContain("spent: $");

    await decide(out, await readReport(out), "rejected", ["A-square", "C-square"]);
    const plan = await runCli(["plan", m, "-o", out, "--emulator"], { cwd: dir });
    expect(plan.stdout.slice(plan.stdout.indexOf("\nin "))).toBe(
      [
        "",
        "in out/shop/, against the emulator:",
        "  to run      2 jobs, 2 images, $0.080",
        "    of which 2 jobs rejected in review, made again with new seeds: 2 images, $0.080",
        "  up to date  1 job",
        "",
      ].join("\n"),
    );
    const dry = await runCli(["run", m, "-o", out, "--emulator", "--dry-run"], { cwd: dir });
    expect(dry.stdout).toBe(plan.stdout);
    const json = JSON.parse(
      (await runCli(["plan", m, "-o", out, "--emulator", "--json"], { cwd: dir })).stdout,
    );
    expect(json.output.regenerate).toEqual({
      jobs: 2,
      images: { min: 2, max: 2 },
      cost_usd: { min: 0.08, max: 0.08 },
    });

    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("3 jobs: 2 succeeded, 1 up to date, 0 failed\n");
    expect(second.stdout).toContain("on fal this would cost $0.080 for 2 requests completed");
    const regenerated = await readReport(out);
    const seeds = Object.fromEntries(regenerated.jobs.map((j) => [j.id, j.input.seed]));
    expect(regenerated.review?.regenerated.map((r) => [r.job, r.seed])).toEqual([
      ["A-square", seeds["A-square"]],
      ["C-square", seeds["C-square"]],
    ]);
    expect([typeof seeds["A-square"], typeof seeds["C-square"], seeds["B-square"]]).toEqual([
      "number",
      "number",
      undefined,
    ]);
    expect(await sidecarSeed(out, regenerated, "A-square")).toBe(seeds["A-square"]);

    await decide(out, regenerated, "approved", ["A-square", "B-square", "C-square"]);
    const site = join(dir, "site");
    const publish = () => runCli(["publish", join(out, "shop"), "--to", site, "--allow-emulated"]);
    const published = await publish();
    expect(published.stdout).toContain("6 files sent");

    // A night with nothing new: the seeds that made the images are still said, nothing changes.
    const third = await run();
    expect(third.stdout).toContain("3 jobs: 0 succeeded, 3 up to date, 0 failed\n");
    const after = await readReport(out);
    expect(Object.fromEntries(after.jobs.map((j) => [j.id, j.input.seed]))).toEqual(seeds);
    expect(await sidecarSeed(out, after, "C-square")).toBe(seeds["C-square"]);
    const again = await publish();
    expect(again.stdout).toContain("0 files sent (0.0 MB), 6 already there");
  });

  it("a row whose content changed is made again at its paths, with no orphan warning", async () => {
    const { dir, m, out } = await setUp();
    const run = () => runCli(["run", m, "-o", out, "--emulator"], { cwd: dir });
    expect((await run()).code).toBe(0);
    await writeFile(join(dir, "products.csv"), "sku,name\nA,Alpha\nB,Beta the second\nC,Gamma\n");
    const changed = await run();
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain("3 jobs: 1 succeeded, 2 up to date, 0 failed\n");
    expect(changed.stderr).not.toContain("orphan");
    expect((await readReport(out)).orphans).toBeUndefined();
    const prune = await runCli(["prune", join(out, "shop")]);
    // Only fal's original of the old Beta is left to prune: no image, sidecar or derivative.
    expect(prune.stdout).not.toContain("no longer in the manifest");
    expect(prune.stdout).toMatch(
      /^would remove \.state\/originals\/\S+ \(an original no current job uses\)\n1 files/,
    );
  });
});
