import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { runArgs } from "../helpers/e2e-run.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

/** A key no file or log may hold, in any of the forms it travels in. */
const CANARY = "sk-canary-5be1c0de-9f0e-4c11-a7d2-2f6e0b9d3a71";
const FORMS = [CANARY, Buffer.from(CANARY).toString("base64"), encodeURIComponent(`Key ${CANARY}`)];

const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** Every file under `dir` (dot folders included), by path relative to it. */
async function everyFile(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("the fal key", () => {
  it("appears in no file a run writes (outputs, sidecars, report, runs/, gallery, .state) nor in its logs", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
    await writeFile(
      join(dir, "m.yaml"),
      `name: secret
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd, wide: landscape_16_9 }
rows: [{ sku: A, name: Alpha }, { sku: B, name: forbidden }]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
output:
  format: webp
  derivatives: { thumb: 256 webp }
`,
    );
    emulator = await emulators.start({
      apiKeys: [CANARY],
      render: "fast",
      inferenceMs: 10,
      blockedWords: ["forbidden"],
    });
    const out = join(dir, "out");
    const logFile = join(dir, "run.log");
    const env = { FAL_KEY: CANARY, LOG_LEVEL: "debug" };
    const args = runArgs(join(dir, "m.yaml"), out, emulator.url, "--log-file", logFile);
    const first = await runCli(args, { env });
    expect(first.code).toBe(1);
    // A second run (resume, up to date) and the report command write again.
    const second = await runCli(args, { env });
    const report = await runCli(["report", join(out, "secret")], { env });
    expect(report.code).toBe(0);
    // The key did reach fal: the check below is not vacuous.
    expect(emulator.requests.filter((r) => r.op === "submit" && r.status === 200)).toHaveLength(4);

    const files = [...(await everyFile(out)), logFile];
    for (const f of ["report.json", "index.html", ".state/journal.jsonl", "A-square-1.webp.json"])
      expect(files).toContain(join(out, "secret", f));
    expect(files.some((f) => f.includes(`${join("secret", "runs")}/`))).toBe(true);
    const leaks: string[] = [];
    for (const file of files) {
      const text = (await readFile(file)).toString("latin1");
      for (const form of FORMS) if (text.includes(form)) leaks.push(`${file}: ${form}`);
    }
    for (const [name, text] of Object.entries({
      "first stdout": first.stdout,
      "first stderr": first.stderr,
      "second stdout": second.stdout,
      "second stderr": second.stderr,
      "report stdout": report.stdout,
      "report stderr": report.stderr,
    }))
      for (const form of FORMS) if (text.includes(form)) leaks.push(`${name}: ${form}`);
    expect(leaks).toEqual([]);
  });
});
