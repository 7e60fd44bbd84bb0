import { createHash } from "node:crypto";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-up-to-date";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
async function setUp() {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
  await writeFile(
    join(dir, "m.yaml"),
    `name: nightly
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows:
  - { sku: S1, name: boot }
  - { sku: S2, name: shoe }
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
output: { path: "{{job}}-{{n}}.{{ext}}", derivatives: { thumb: 128 webp } }
`,
  );
  emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 10 });
  const out = join(dir, "out");
  const run = (...more: string[]) =>
    runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator?.url ?? "", ...more], {
      env: { FAL_KEY: KEY },
    });
  const folder = join(out, "nightly");
  const report = async () =>
    reportSchema.parse(JSON.parse(await readFile(join(folder, "report.json"), "utf8"))) as unknown as Report;
  const imageEntries = async () =>
    (await readFile(join(folder, ".state", "journal.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l.includes('"type":"image"')).length;
  return { folder, run, report, imageEntries };
}

const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

describe("up to date by file metadata, --verify by bytes", () => {
  it("a touched file with the same bytes is hashed once, its record refreshed, and stays up to date", async () => {
    const { folder, run, report, imageEntries } = await setUp();
    expect((await run()).code).toBe(0);
    const first = (await report()).jobs[0]?.outputs[0];
    if (!first) throw new Error("no output");
    const entries = await imageEntries();
    await utimes(join(folder, first.path), 1_700_000_000, 1_700_000_000);

    const second = await run();
    expect([second.code, second.stdout.split("\n")[0]]).toEqual([
      0,
      "2 jobs: 0 succeeded, 2 up to date, 0 failed",
    ]);
    // Its stamp was refreshed in the journal: one new record, for that image only.
    expect(await imageEntries()).toBe(entries + 1);
    const third = await run();
    expect(third.stdout.split("\n")[0]).toBe("2 jobs: 0 succeeded, 2 up to date, 0 failed");
    expect(await imageEntries()).toBe(entries + 1);
  }, 60_000);

  it("a file changed with its size and mtime put back is caught by --verify and made again", async () => {
    const { folder, run, report } = await setUp();
    expect((await run()).code).toBe(0);
    const output = (await report()).jobs[1]?.outputs[0];
    if (!output) throw new Error("no output");
    const file = join(folder, output.path);
    // Give the file a whole-second mtime (exactly restorable), and let a run record it.
    await utimes(file, 1_700_000_000, 1_700_000_000);
    expect((await run()).code).toBe(0);
    const before = await stat(file, { bigint: true });
    // Same size, other bytes, written in place (same inode), mtime put back.
    const bytes = await readFile(file);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const after = await stat(file, { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);

    // Metadata alone cannot see it (as with git)…
    const plain = await run();
    expect(plain.stdout.split("\n")[0]).toBe("2 jobs: 0 succeeded, 2 up to date, 0 failed");
    expect(await sha256(file)).not.toBe(output.sha256);
    // …--verify hashes every file, names the one that differs, and makes it again from the original.
    const verified = await run("--verify");
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(
      `verify: every output hashed; 1 file not as written (made again from fal's originals): ${output.path}\n`,
    );
    expect(await sha256(file)).toBe(output.sha256);
    const clean = await run("--verify");
    expect(clean.stdout).toContain("verify: every output hashed; 0 files not as written\n");
  }, 60_000);
});
