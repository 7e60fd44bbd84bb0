import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();
const tempDir = useTempDirs();
const KEY = "sk-disk-full";
const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync("umount", [dir], { stdio: "ignore" });
});

describe.skipIf(process.getuid?.() !== 0)("a disk that fills during the night (#24)", () => {
  // Where the disk fills (which write, which job) differs run to run; a run that fills it in a
  // place this test does not foresee is tried again, twice, before the test fails.
  it("no half-written report or runs file; the next run with room delivers what fal finished without paying again", {
    timeout: 180_000,
    retry: 2,
  }, async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 64, 48, "#8899aa");
    const rows = Array.from({ length: 60 }, (_, i) => `  - { sku: S${i} }`).join("\n");
    await writeFile(
      join(dir, "m.yaml"),
      `name: nightly\nmodel: seedream-v4.5\nimages: { studio: ./studio.png }\nprompts: { p: "Item {{sku}}." }\nsizes: { s: square }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: p, images: [studio] }]\n`,
    );
    const emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 5 });
    const out = join(dir, "out");
    await mkdir(out);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", out]);
    mounted.push(out);
    const run = () =>
      runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator.url, "--concurrency", "2"], {
        env: { FAL_KEY: KEY },
      });
    const submits = () => emulator.requests.filter((r) => r.op === "submit" && r.status < 300).length;
    const full = await run();
    const folder = join(out, "nightly");
    const sentFull = submits();
    const said = full.stderr.split("\n").filter((l) => l.startsWith("seedream-pipeline: "));
    expect([full.code, said.length, said[0]], full.stderr).toEqual([
      73,
      1,
      expect.stringContaining("(ENOSPC)"),
    ]);
    // The first write that failed for want of room stopped the submits: not all 60 were paid for.
    expect(sentFull).toBeGreaterThan(0);
    expect(sentFull).toBeLessThan(60);
    const files = await readdir(folder).catch(() => [] as string[]);
    if (files.includes("report.json")) JSON.parse(await readFile(join(folder, "report.json"), "utf8"));
    for (const f of await readdir(join(folder, "runs")).catch(() => [] as string[]))
      JSON.parse(await readFile(join(folder, "runs", f), "utf8"));
    execFileSync("mount", ["-o", "remount,size=64m", out]);
    // A request whose `submitted` line the full disk refused is known to no later run: it is paid
    // again (the gap left open in #24, said in docs/running.md). Every journaled one is not.
    const journal = await readFile(join(folder, ".state", "journal.jsonl"), "utf8").catch(() => "");
    const journaled = new Set(
      journal
        .split("\n")
        .filter((l) => l.includes('"type":"submitted"'))
        .map((l) => (JSON.parse(l) as { key: string }).key),
    ).size;
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    // What the full night sent and journaled was not sent again (one whose intent alone was
    // journaled may still be found in fal's history and not sent either).
    expect(submits()).toBeGreaterThanOrEqual(60);
    expect(submits()).toBeLessThanOrEqual(60 + (sentFull - journaled));
    expect(again.stdout.split("\n")[0]).toMatch(/^60 jobs: \d+ succeeded, \d+ up to date, 0 failed$/);
  });
});
