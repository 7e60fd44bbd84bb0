import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { writePng } from "../helpers/images.js";
import { BIN, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const TMUX = "/usr/bin/tmux";
const tempDir = useTempDirs();
if (!existsSync(TMUX)) console.warn("terminal progress test skipped: tmux is not installed");

describe.skipIf(!existsSync(TMUX))("on a terminal (tmux)", () => {
  let emulator: Emulator | undefined;
  const session = `seedream-${process.pid}`;
  afterAll(async () => {
    try {
      execFileSync(TMUX, ["kill-session", "-t", session], { stdio: "ignore" });
    } catch {
      // Already gone.
    }
    await emulator?.close();
  });

  it("shows one live progress line: done, running, queued at fal, failed, images per minute, ETA, spend, and what is still to render", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "a.png"), 200, 150);
    await writeFile(
      join(dir, "m.yaml"),
      "name: tty\nmodel: seedream-v4.5\nimages: { a: ./a.png }\nprompts: { a: one, b: two, c: three }\nsizes: { s: square, w: landscape_16_9 }\n",
    );
    emulator = await startEmulator({
      apiKeys: ["k"],
      inferenceMs: { min: 150, max: 300 },
      concurrency: 2,
      render: "fast",
    });
    const command = `FAL_KEY=k ${process.execPath} ${BIN} run ${join(dir, "m.yaml")} -o ${join(dir, "out")} --fal-base-url ${emulator.url}; sleep 30`;
    execFileSync(TMUX, ["new-session", "-d", "-s", session, "-x", "160", "-y", "20", command]);
    const screens: string[] = [];
    const capture = () => execFileSync(TMUX, ["capture-pane", "-p", "-t", session], { encoding: "utf8" });
    await until(() => {
      const screen = capture();
      screens.push(screen);
      return screen.includes("gallery:");
    }, "the run to finish in tmux");
    const lines = screens.flatMap((s) => s.split("\n")).filter((l) => /^\d+% \d+\/6 done/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(
        /^\d+% \d+\/6 done · \d+ running · \d+ queued at fal · 0 failed · [\d.]+ img\/min · ETA (—|\d+m?\d*s) · \$\d+\.\d\d( · \d+ rendered, \d+ to render)?$/,
      );
    // One line, redrawn: the final screen holds the last progress line once, then the summary.
    const final = screens.at(-1) ?? "";
    expect(final.match(/% \d+\/6 done/g)).toHaveLength(1);
    expect(final).toContain("100% 6/6 done");
    expect(final).toContain("6 jobs: 6 succeeded, 0 failed");
  });
});
