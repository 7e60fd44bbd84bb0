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
const KEY = "sk-unwritable";

/** A tmpfs of its own (root only: elsewhere these tests are skipped). */
function mountTmpfs(dir: string, options: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync("umount", [dir], { stdio: "ignore" });
});
const canMount = process.getuid?.() === 0;

async function setUp() {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 64, 48, "#8899aa");
  const rows = [1, 2, 3].map((i) => `  - { sku: S${i} }`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: nightly\nmodel: seedream-v4.5\nimages: { studio: ./studio.png }\nprompts: { p: "Item {{sku}}." }\nsizes: { s: square }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: p, images: [studio] }]\n`,
  );
  const emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 5 });
  const out = join(dir, "out");
  await mkdir(out);
  const run = () =>
    runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator.url], {
      env: { FAL_KEY: KEY },
    });
  const submits = () => emulator.requests.filter((r) => r.op === "submit").length;
  return { out, run, submits };
}

const lastLine = (text: string) => text.trim().split("\n").at(-1);

describe.skipIf(!canMount)("an output folder that cannot be written (#24)", () => {
  it("read-only from the start: exit 73, one line naming the folder and EROFS, nothing sent", async () => {
    const { out, run, submits } = await setUp();
    expect(mountTmpfs(out, "ro,size=1m")).toBe(true);
    mounted.push(out);
    const r = await run();
    expect([r.code, lastLine(r.stderr), submits()]).toEqual([
      73,
      `seedream-pipeline: cannot write ${join(out, "nightly")}: the file system is read-only (EROFS): the run stopped, and the next run picks up from the journal`,
      0,
    ]);
  }, 60_000);

  it("made read-only after a night: exit 73 (not `unexpected error (EROFS lock-owner)`), nothing sent, the journal and report as they were", async () => {
    const { out, run, submits } = await setUp();
    expect(mountTmpfs(out, "size=4m")).toBe(true);
    mounted.push(out);
    expect((await run()).code).toBe(0);
    const journal = await readFile(join(out, "nightly", ".state", "journal.jsonl"), "utf8");
    execFileSync("mount", ["-o", "remount,ro", out]);
    const r = await run();
    expect(r.code, r.stderr).toBe(73);
    expect(lastLine(r.stderr)).toMatch(
      /^seedream-pipeline: cannot write .*: the file system is read-only \(EROFS\): /,
    );
    expect(submits()).toBe(3);
    expect(await readFile(join(out, "nightly", ".state", "journal.jsonl"), "utf8")).toBe(journal);
    JSON.parse(await readFile(join(out, "nightly", "report.json"), "utf8"));
    for (const f of await readdir(join(out, "nightly", "runs")))
      JSON.parse(await readFile(join(out, "nightly", "runs", f), "utf8"));
  }, 60_000);
});
