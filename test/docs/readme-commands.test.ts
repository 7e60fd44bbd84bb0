import { execFile } from "node:child_process";
import { chmod, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers/temp-dir.js";
import { codeBlocks, commandsOf } from "./markdown.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "seedream-pipeline.js");
const run = promisify(execFile);
const tempDir = useTempDirs();

/** README commands this test does not run, each with the reason and where it is covered instead. */
const NOT_RUN: Readonly<Record<string, string>> = {
  "npm ci && npm start":
    "installs the clone; what `npm start` runs (`seedream-pipeline run pipelines/demo.yaml --emulator`) is run here",
  "npm test": "this test is part of npm test",
  "npm ci": "the clone's own install, which every test run follows",
  "npm pack": "test/e2e/install-anywhere.test.ts packs the project",
  "npm install -g ./seedream-pipeline-0.1.0.tgz":
    "installs for the whole machine; test/e2e/install-anywhere.test.ts installs the packed tarball into a temporary prefix",
  "npm link": "links for the whole machine; the same bin/ is what every e2e test runs",
  "export FAL_KEY=...": "a placeholder for the user's own key",
  "seedream-pipeline run pipelines/demo.yaml": "reaches fal itself: needs a real key, and pays",
  "seedream-pipeline run pipelines/demo.yaml --fal-base-url http://127.0.0.1:8787":
    "needs a server on port 8787; --fal-base-url against an emulator on a free port is run by the e2e tests",
  "seedream-pipeline review output/demo":
    "serves until stopped; test/e2e/review.browser.test.ts drives the review app in Chromium",
  "seedream-pipeline emulator --port 8787 --concurrency 4 --inference-ms 5000-60000 --time-scale 0.01":
    "serves until stopped; test/e2e/cli-emulator.test.ts starts it, drives it and stops it with SIGTERM",
};

const shellBlocks = () =>
  codeBlocks(join(ROOT, "README.md")).filter((b) => ["sh", "bash", "shell"].includes(b.lang));

describe("every shell command in the README", () => {
  it("is run below, or allowlisted with a reason; the allowlist names only commands the README has", () => {
    const all = shellBlocks().flatMap(commandsOf);
    expect(all.length).toBeGreaterThan(10);
    expect(Object.keys(NOT_RUN).filter((c) => !all.includes(c))).toEqual([]);
  });

  it("runs, block by block, from a copy of the clone's pipelines, and exits 0", async () => {
    const clone = join(await tempDir(), "clone");
    await cp(join(ROOT, "pipelines"), join(clone, "pipelines"), { recursive: true });
    // `seedream-pipeline` on the PATH, as after `npm install -g` or `npm link`.
    const shims = join(clone, "..", "bin");
    await mkdir(shims);
    await writeFile(
      join(shims, "seedream-pipeline"),
      `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
    );
    await chmod(join(shims, "seedream-pipeline"), 0o755);
    const ran: string[] = [];
    for (const block of shellBlocks()) {
      const commands = commandsOf(block).filter((c) => !(c in NOT_RUN));
      if (commands.length === 0) continue;
      const script = `set -e\n${commands.join("\n")}\n`;
      const result = await run("sh", ["-c", script], {
        cwd: clone,
        env: { PATH: `${shims}:${process.env.PATH ?? ""}`, HOME: clone },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { code?: number; stderr?: string }) => {
        throw new Error(`README.md:${block.line}: exit ${error.code}\n${script}\n${error.stderr ?? ""}`);
      });
      expect(result.stderr, `README.md:${block.line}`).not.toMatch(/seedream-pipeline: /);
      ran.push(...commands);
    }
    expect(ran).toContain("seedream-pipeline run pipelines/demo.yaml --emulator");
    // What the commands said they did, they did.
    const report = JSON.parse(await readFile(join(clone, "output", "demo", "report.json"), "utf8"));
    expect(report.totals).toMatchObject({ jobs: 6, succeeded: 6 });
  }, 180_000);
});
