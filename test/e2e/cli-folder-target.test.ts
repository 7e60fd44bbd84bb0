import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { writeReviewManifest } from "../helpers/review-run.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-folder-target";
const tempDir = useTempDirs();

describe("report, prune, review and publish given the manifest, from the folder a user runs in", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("each uses the manifest's output folder under the output root (-o, default output), as run does", async () => {
    const dir = await tempDir();
    await writeReviewManifest(dir, ["A1", "B2"]);
    const env = { FAL_KEY: KEY };
    const cli = (args: readonly string[]) => runCli(args, { cwd: dir, env });
    const run = await cli(["run", "m.yaml", "--fal-base-url", emulator.url]);
    expect(run.code, run.stderr).toBe(0);

    const report = await cli(["report", "m.yaml"]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("shoes: run ");
    expect(report.stdout).toContain("\ngallery: output/shoes/index.html\n");

    const prune = await cli(["prune", "m.yaml"]);
    expect({ code: prune.code, stdout: prune.stdout, stderr: prune.stderr }).toEqual({
      code: 0,
      stdout: "nothing to prune\n",
      stderr: "",
    });

    const publish = await cli(["publish", "m.yaml", "--to", "published", "--all", "--allow-emulated"]);
    expect(publish.code, publish.stderr).toBe(0);
    expect(publish.stdout).toMatch(/^published to .*published: 4 files sent/m);
    const sent = await readFile(join(dir, "published", "A1-square-1.png"));
    expect(sent.equals(await readFile(join(dir, "output", "shoes", "A1-square-1.png")))).toBe(true);

    // --open hands the URL to $BROWSER (here a script that writes it down), and the app serves.
    const opened = join(dir, "opened.txt");
    const browser = join(dir, "browser.sh");
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > "${opened}"\n`);
    await chmod(browser, 0o755);
    const review = startCli(["review", "m.yaml", "--open"], { cwd: dir, env: { BROWSER: browser } });
    let url = "";
    review.child.stdout?.on("data", (d: Buffer) => {
      url ||= /review app: (http:\/\/127\.0\.0\.1:\d+\/) {2}\(output\/shoes;/.exec(d.toString())?.[1] ?? "";
    });
    try {
      await until(() => url !== "", "the review URL");
      let written = "";
      // The opener runs detached: wait (bounded) for the file it writes.
      for (let i = 0; i < 2000 && written === ""; i++) {
        written = await readFile(opened, "utf8").catch(() => "");
        if (written === "") await new Promise((r) => setTimeout(r, 10));
      }
      expect(written).toBe(url);
      const items = (await (await fetch(`${url}api/items`)).json()) as { items: Array<{ job: string }> };
      expect(items.items.map((i) => i.job)).toEqual(["A1-square", "B2-square"]);
    } finally {
      review.child.kill("SIGTERM");
    }
    const ended = await review.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toBe("");
  });

  it("with -o, under that root; a manifest whose folder has no run yet, or neither a folder nor a file, is one line and exit 2", async () => {
    const dir = await tempDir();
    await writeReviewManifest(dir, ["A1"]);
    const env = { FAL_KEY: KEY };
    const cli = (args: readonly string[]) => runCli(args, { cwd: dir, env });
    const run = await cli(["run", "m.yaml", "-o", "nightly", "--fal-base-url", emulator.url]);
    expect(run.code, run.stderr).toBe(0);
    const report = await cli(["report", "m.yaml", "-o", "nightly"]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("\ngallery: nightly/shoes/index.html\n");

    const notRun = await cli(["prune", "m.yaml"]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr.trim().split("\n")).toHaveLength(1);
    expect(notRun.stderr).toContain("output/shoes");
    const missing = await cli(["report", "nope.yaml"]);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({
      code: 2,
      stderr: "seedream-pipeline: nope.yaml: no such output folder or manifest\n",
    });
  });
});
