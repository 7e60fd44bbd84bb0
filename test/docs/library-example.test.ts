import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROGRAM = join(ROOT, "examples", "library", "run-on-emulator.mjs");
const run = promisify(execFile);
const tempDir = useTempDirs();

describe("the library example", () => {
  it("is a program: run by node on the demo manifest, it makes every image and says so", async () => {
    const out = await tempDir();
    const { stdout } = await run(process.execPath, [PROGRAM, join(ROOT, "pipelines", "demo.yaml"), out], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn" },
    });
    expect(stdout).toBe(`6 made, 0 up to date, 0 failed of 6 jobs, in ${join(out, "demo")}\n`);
    const report = JSON.parse(await readFile(join(out, "demo", "report.json"), "utf8"));
    expect(report.totals).toMatchObject({ jobs: 6, succeeded: 6 });
  });

  it("exits 2 with its usage when no manifest is given", async () => {
    const failure = await run(process.execPath, [PROGRAM], { cwd: ROOT }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({
      code: 2,
      stderr: "usage: node run-on-emulator.mjs <manifest> [output root]\n",
    });
  });
});
