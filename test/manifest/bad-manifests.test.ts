import { access } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { manifestErrors, writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import { BAD_CASES } from "./bad-manifests.cases.js";

const tempDir = useTempDirs();

async function setUp(files: (typeof BAD_CASES)[number]["files"]): Promise<{ dir: string; manifest: string }> {
  const dir = await tempDir();
  await writeFiles(dir, files);
  return { dir, manifest: join(dir, Object.keys(files)[0] ?? "") };
}

describe("a corpus of bad manifests", () => {
  it("holds at least 30 cases", () => {
    expect(BAD_CASES.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of BAD_CASES)
    it(`${c.name}: every issue, exactly located`, async () => {
      const { dir, manifest } = await setUp(c.files);
      const lines = await manifestErrors(manifest, c.model ? { model: c.model } : {});
      expect(lines.map((l) => l.replaceAll(dir, "<dir>"))).toEqual(c.expected);
    });
});

describe("a bad manifest through the CLI", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ inferenceMs: 0 });
  });
  afterAll(async () => {
    await emulator.close();
    process.exitCode = 0;
  });

  it("exits 2 with the same lines, sends nothing and writes nothing, for every case", async () => {
    for (const c of BAD_CASES) {
      const { dir, manifest } = await setUp(c.files);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let err = "";
      stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      const out = join(dir, "out");
      const argv = [
        "run",
        manifest,
        "-o",
        out,
        "--fal-base-url",
        emulator.url,
        ...(c.model ? ["--model", c.model] : []),
      ];
      const code = await main({ argv, env: { FAL_KEY: "k" }, stdout, stderr });
      expect(code, c.name).toBe(2);
      expect(err.replaceAll(dir, "<dir>"), c.name).toBe(
        c.expected.map((l) => `seedream-pipeline: ${l}\n`).join(""),
      );
      await expect(access(out), c.name).rejects.toMatchObject({ code: "ENOENT" });
    }
    // Reading each model's schema (fal's Model Search API, free and keyless) is part of validating.
    expect(emulator.requests.filter((r) => r.op !== "models")).toEqual([]);
  });
});
