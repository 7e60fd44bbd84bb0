import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const WRITTEN = [
  "catalog.yaml",
  "photos/SKU-1001.png",
  "photos/SKU-1002.png",
  "photos/SKU-1003.png",
  "photos/studio.png",
  "products.csv",
];

async function filesUnder(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true, withFileTypes: true });
  return all
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("seedream-pipeline init", () => {
  it("writes an example that validates, plans and runs on the emulator, from the folder it names", async () => {
    const cwd = await tempDir();
    const init = await runCli(["init", "my-catalog"], { cwd });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(
      [
        "wrote catalog.yaml, products.csv and 4 photos in my-catalog/",
        "next:",
        "  cd my-catalog",
        "  seedream-pipeline validate catalog.yaml",
        "  seedream-pipeline plan catalog.yaml",
        "  seedream-pipeline run catalog.yaml --emulator     # a rehearsal: no key, nothing paid",
        "  seedream-pipeline review catalog.yaml --open",
        "",
      ].join("\n"),
    );
    const dir = join(cwd, "my-catalog");
    expect(await filesUnder(dir)).toEqual(WRITTEN);
    for (const photo of WRITTEN.filter((f) => f.endsWith(".png")))
      expect((await sharp(join(dir, photo)).metadata()).format).toBe("png");

    // The commands it prints next, run as printed (review serves until stopped: the browser tests).
    const next = init.stdout
      .split("\n")
      .filter((l) => l.startsWith("  seedream-pipeline ") && !l.includes(" review "))
      .map((l) =>
        l
          .replace(/\s+#.*$/, "")
          .trim()
          .split(" ")
          .slice(1),
      );
    expect(next.map((args) => args[0])).toEqual(["validate", "plan", "run"]);
    const results: CliResult[] = [];
    for (const args of next) results.push(await runCli(args, { cwd: dir }));
    const [validate, plan, run] = results;
    for (const r of [validate, plan, run]) expect(r?.code, r?.stderr).toBe(0);
    expect(validate?.stdout).toMatch(/^catalog\.yaml: valid, 6 jobs, 6 images, 3 files to upload\n/);
    expect(plan?.stdout).toMatch(/estimated cost: \$0\.240/);
    const report = JSON.parse(await readFile(join(dir, "output", "catalog", "report.json"), "utf8"));
    expect(report.totals).toMatchObject({ jobs: 6, succeeded: 6, failed: 0 });
    // `when: { status: active }` left the discontinued product out; outputs go one folder per SKU.
    expect(await readdir(join(dir, "output", "catalog"))).toEqual(
      expect.arrayContaining(["SKU-1001", "SKU-1002"]),
    );
    expect(await readdir(join(dir, "output", "catalog"))).not.toContain("SKU-1003");
  });

  it("writes into the current folder when none is named", async () => {
    const cwd = await tempDir();
    const init = await runCli(["init"], { cwd });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).not.toMatch(/ cd /);
    expect(await filesUnder(cwd)).toEqual(WRITTEN);
  });

  it("refuses a folder holding any of its files, naming them, and writes nothing", async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, "photos"));
    await writeFile(join(cwd, "products.csv"), "mine\n");
    await writeFile(join(cwd, "photos", "studio.png"), "mine too\n");
    await writeFile(join(cwd, "notes.txt"), "unrelated\n");
    const init = await runCli(["init", "."], { cwd });
    expect(init.code).toBe(2);
    expect(init.stderr).toBe(
      "seedream-pipeline: init: photos/studio.png, products.csv already in .: nothing written (init never overwrites; pick an empty folder)\n",
    );
    expect(await filesUnder(cwd)).toEqual(["notes.txt", "photos/studio.png", "products.csv"]);
    expect(await readFile(join(cwd, "products.csv"), "utf8")).toBe("mine\n");
  });

  it("refuses a path that is a file", async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, "taken"), "");
    const init = await runCli(["init", "taken"], { cwd });
    expect([init.code, init.stderr]).toEqual([2, "seedream-pipeline: init: taken is a file, not a folder\n"]);
  });
});
