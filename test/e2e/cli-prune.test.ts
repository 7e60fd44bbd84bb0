import { access, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-prune";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
const manifest = (skus: readonly string[]) => `name: shop
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{sku}} boot in the studio of Figure 1." }
sizes: { square: square_hd }
rows:
${skus.map((s) => `  - { sku: ${s} }`).join("\n")}
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`;

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe("orphans and `prune`", () => {
  it("lists a removed row's outputs as orphaned; prune is a dry run until --yes, then removes them and its original", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
    emulator = await emulators.start({ apiKeys: [KEY], inferenceMs: 10 });
    const out = join(dir, "out");
    const folder = join(out, "shop");
    const run = () =>
      runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator?.url ?? ""], {
        env: { FAL_KEY: KEY },
      });
    const report = async () =>
      reportSchema.parse(
        JSON.parse(await readFile(join(folder, "report.json"), "utf8")),
      ) as unknown as Report;

    await writeFile(join(dir, "m.yaml"), manifest(["S1", "S2"]));
    expect((await run()).code).toBe(0);
    const s2 = (await report()).jobs[1]?.outputs[0];
    if (!s2) throw new Error("no output");
    const originals = await readdir(join(folder, ".state", "originals"));
    expect(originals).toHaveLength(2);

    await writeFile(join(dir, "m.yaml"), manifest(["S1"]));
    expect((await run()).code).toBe(0);
    const after = await report();
    expect(after.jobs.map((j) => j.id)).toEqual(["S1-square"]);
    expect(after.orphans).toEqual([
      { job: "S2-square", key: expect.stringMatching(/^[0-9a-f]{64}$/), paths: [s2.path, `${s2.path}.json`] },
    ]);

    const dry = await runCli(["prune", folder]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^would remove ${s2.path} \\(job S2-square, no longer in the manifest\\)\nwould remove ${s2.path}\\.json .*\nwould remove \\.state/originals/[0-9a-f]{64}\\.png \\(an original no current job uses\\)\n3 files, [\\d.]+ MB: a dry run; nothing removed \\(--yes removes them\\)\n$`,
      ),
    );
    expect(await exists(join(folder, s2.path))).toBe(true);

    const yes = await runCli(["prune", folder, "--yes"]);
    expect(yes.stdout).toMatch(/\n3 files removed, [\d.]+ MB freed\n$/);
    expect(await exists(join(folder, s2.path))).toBe(false);
    expect(await readdir(join(folder, ".state", "originals"))).toHaveLength(1);
    expect((await runCli(["prune", folder])).stdout).toBe("nothing to prune\n");
    // S1 is still up to date, and nothing is orphaned any more.
    expect((await run()).stdout.split("\n")[0]).toBe("1 jobs: 0 succeeded, 1 up to date, 0 failed");
    expect((await report()).orphans).toBeUndefined();
  }, 90_000);
});
