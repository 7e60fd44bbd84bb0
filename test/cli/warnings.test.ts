import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { writePng } from "../helpers/images.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const code = await main({ argv, env: { FAL_KEY: "k", LOG_LEVEL: "warn" }, stdout, stderr });
  return { code, out, err };
}

const nightly = (mode: string) => ({
  "m.yaml": `name: nightly\nmodel: seedream-v4.5\n${mode}images: { studio: ./studio.png }\nprompts: { p: "Show {{name}}" }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, images: [studio, "{{image}}"], when: { status: Active } }\n`,
  "rows.csv":
    "sku,name,image,status\nA1,Shoe,./a.png,active\nA2,Boot,./missing.png,Active\nA3,Hat,./a.png,Active\n",
  "studio.png": (p: string) => writePng(p, 16, 16),
  "a.png": (p: string) => writePng(p, 16, 16),
});

describe("warnings a user sees", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ inferenceMs: 0 });
  });
  afterAll(async () => {
    await emulator.close();
    process.exitCode = 0;
  });

  it("validate: a filter that matches nothing is said, with the values seen, and exits 0", async () => {
    const dir = await tempDir();
    const files = nightly("");
    await writeFiles(dir, { ...files, "rows.csv": files["rows.csv"].replaceAll(",Active", ",active") });
    const { code, out, err } = await cli(["validate", join(dir, "m.yaml"), "--emulator"]);
    expect(code).toBe(0);
    expect(out).toBe(
      `${join(dir, "m.yaml")}: valid, 0 jobs, 0 images, 0 files to upload\n` +
        "schema: seedream-v4.5 (fal-ai/bytedance/seedream/v4.5/edit) from the snapshot shipped with seedream-pipeline\n",
    );
    expect(err.replaceAll(dir, "<dir>").split("\n")).toEqual([
      "warning: <dir>/m.yaml:7:70: jobs[0].when: matches none of the 3 rows of <dir>/rows.csv, so this job makes nothing: `status` is Active, values seen: active (did you mean `active`?)",
      "warning: <dir>/m.yaml: the manifest makes no jobs: nothing will be sent",
      "",
    ]);
  });

  it("run with on_invalid_row: skip: the bad row is reported, the rest is made", async () => {
    const dir = await tempDir();
    await writeFiles(dir, nightly("on_invalid_row: skip\n"));
    const out = join(dir, "out");
    const { code, err } = await cli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator.url]);
    expect(code).toBe(0);
    expect(err.replaceAll(dir, "<dir>")).toContain(
      "<dir>/rows.csv:3: row 2 skipped (on_invalid_row: skip): <dir>/rows.csv:3:3: image: file not found: <dir>/missing.png",
    );
    const report = JSON.parse(
      await import("node:fs/promises").then((fs) => fs.readFile(join(out, "nightly", "report.json"), "utf8")),
    );
    expect(report.jobs.map((j: { id: string }) => j.id)).toEqual(["A3-auto_2K"]);
  });
});
