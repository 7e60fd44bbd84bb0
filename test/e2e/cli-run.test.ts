import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import type { Report } from "../../src/report/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { pngBytes, writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { serveFiles } from "../helpers/static-server.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-test-0123456789abcdef";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
async function readReport(dir: string): Promise<Report> {
  return JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as Report;
}

/** Everything the run wrote, as text, to prove the key is nowhere in it. */
async function allText(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true });
  const texts = await Promise.all(
    names.map((n) =>
      readFile(join(dir, n)).then(
        (b) => b.toString("latin1"),
        () => "",
      ),
    ),
  );
  return texts.join("\n");
}

describe("seedream-pipeline run, as a subprocess against the emulator", () => {
  it("runs a v4.5 manifest: images at the asked sizes, one submit per job, one upload per distinct file, a 422 job failed", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "assets/backdrop.png"), 800, 600, "#dddddd");
    await writePng(join(dir, "assets/product.png"), 300, 300, "#cc2222");
    await copyFile(join(dir, "assets/product.png"), join(dir, "assets/product-copy.png"));
    await writeFile(
      join(dir, "catalog.yaml"),
      `name: catalog
model: seedream-v4.5
images:
  studio: ./assets/backdrop.png
  product: [./assets/product.png, ./assets/product-copy.png]
prompts:
  hero: Put the product of Figure 2 on the backdrop of Figure 1.
  banned: A forbidden picture of Figure 2.
sizes:
  square: square_hd
  wide: { width: 2560, height: 1440 }
`,
    );
    emulator = await emulators.start({
      inferenceMs: { min: 20, max: 60 },
      concurrency: 2,
      apiKeys: [KEY],
      blockedWords: ["forbidden"],
    });
    const out = join(dir, "out");
    const r = await runCli(
      ["run", join(dir, "catalog.yaml"), "--output", out, "--fal-base-url", emulator.url],
      {
        env: { FAL_KEY: KEY },
      },
    );
    expect(
      r.stderr
        .split("\n")
        .filter(Boolean)
        .every((l) => JSON.parse(l)),
    ).toBeTruthy();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("4 jobs: 2 succeeded, 2 failed");
    // For cron: the summary names the failed ids, and each failed job has an error line with its cause.
    expect(r.stdout).toContain("failed (--retry-failed sends them again): banned-square, banned-wide\n");
    const lines = r.stderr
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      msg: "seedream-pipeline run",
      manifest: join(dir, "catalog.yaml"),
      output: join(out, "catalog"),
    });
    expect(typeof lines[0]?.version).toBe("string");
    const failedLines = lines.filter((l) => l.level === 50 && String(l.msg).startsWith("job failed"));
    expect(failedLines.map((l) => [l.job, l.stage, l.class, typeof l.requestId])).toEqual(
      expect.arrayContaining([
        ["banned-square", "result", "permanent", "string"],
        ["banned-wide", "result", "permanent", "string"],
      ]),
    );
    for (const l of failedLines)
      expect(String(l.cause)).toMatch(/^prompt: The content could not be processed/);

    const report = await readReport(join(out, "catalog"));
    expect(report.totals).toMatchObject({ jobs: 4, succeeded: 2, failed: 2, not_run: 0, images: 2 });
    expect(report.jobs.map((j) => [j.id, j.status])).toEqual([
      ["hero-square", "succeeded"],
      ["hero-wide", "succeeded"],
      ["banned-square", "failed"],
      ["banned-wide", "failed"],
    ]);
    for (const job of report.jobs.filter((j) => j.status === "failed")) {
      expect(job.error).toMatchObject({ stage: "result", kind: "validation", status: 422 });
      expect(job.error?.message).toBe(
        "prompt: The content could not be processed because it contained material flagged by a content checker.",
      );
    }
    const expected: Record<string, [number, number]> = {
      "hero-square": [2048, 2048],
      "hero-wide": [2560, 1440],
    };
    for (const job of report.jobs.filter((j) => j.status === "succeeded")) {
      expect(job.outputs).toHaveLength(1);
      const [output] = job.outputs;
      const meta = await sharp(join(out, "catalog", output?.path ?? "")).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["png", ...(expected[job.id] ?? [])]);
      expect(output?.path).toBe(`${job.id}-1.png`);
    }

    // From the emulator's own record: exactly one submit per job, with the ids in the report.
    const submits = emulator.requests.filter((x) => x.op === "submit");
    expect(submits).toHaveLength(4);
    expect(new Set(submits.map((s) => s.requestId))).toEqual(new Set(report.jobs.map((j) => j.request_id)));
    // Two distinct files (product.png and its copy have the same bytes): two uploads.
    expect(emulator.requests.filter((x) => x.op === "upload-initiate")).toHaveLength(2);
    expect(emulator.requests.filter((x) => x.op === "upload-put")).toHaveLength(2);
    expect(
      emulator.requests.every((x) => x.op === "upload-put" || x.op === "file" || x.hadAuthorization),
    ).toBe(true);

    expect(`${r.stdout}${r.stderr}${await allText(out)}`).not.toContain(KEY);
  });

  it("runs a v5-lite manifest with a URL input passed through, two images per job and the seed fal used", async () => {
    const dir = await tempDir();
    const host = await serveFiles({
      "/shoe.png": { body: await pngBytes(500, 400, "#118833"), type: "image/png" },
    });
    try {
      await writeFile(
        join(dir, "campaign.yaml"),
        `name: campaign
model: seedream-v5-lite
defaults:
  num_images: 2
images:
  shoe: ${host.url}/shoe.png
prompts:
  launch: A launch poster of the shoe in Figure 1.
sizes:
  square: square
  story: portrait_16_9
`,
      );
      emulator = await emulators.start({ inferenceMs: 10, concurrency: 4 });
      const out = join(dir, "out");
      const r = await runCli(["run", join(dir, "campaign.yaml"), "-o", out, "--concurrency", "4"], {
        env: { FAL_KEY: KEY, SEEDREAM_FAL_BASE_URL: emulator.url },
      });
      expect(r.code).toBe(0);
      const report = await readReport(join(out, "campaign"));
      // fal's current id (#23); the schema in force (the emulator's Model Search API) has no seed input.
      expect(report.endpoint).toBe("bytedance/seedream/v5/lite/edit");
      expect(report.totals).toMatchObject({ jobs: 2, succeeded: 2, images: 4, cost_usd: 0.14 });
      for (const job of report.jobs) {
        expect(job.input.image_urls).toEqual([`${host.url}/shoe.png`]);
        expect(job.seed).toEqual(expect.any(Number));
        expect(job.outputs.map((o) => o.path)).toEqual([`${job.id}-1.png`, `${job.id}-2.png`]);
        for (const o of job.outputs) {
          const meta = await sharp(join(out, "campaign", o.path)).metadata();
          expect([meta.width, meta.height]).toEqual(job.size_name === "square" ? [1920, 1920] : [1440, 2560]);
          expect([o.width, o.height]).toEqual([meta.width, meta.height]);
        }
      }
      expect(emulator.requests.filter((x) => x.op.startsWith("upload"))).toHaveLength(0);
      // The emulator fetched the input from the image host: the URL went through untouched.
      expect(host.hits.length).toBeGreaterThan(0);
    } finally {
      await host.close();
    }
  });

  it("refuses to run without FAL_KEY and without a base URL: exit 2, one line, nothing written", async () => {
    const dir = await tempDir();
    const out = join(dir, "out");
    const r = await runCli(["run", "pipelines/demo.yaml", "-o", out], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "seedream-pipeline: FAL_KEY is not set: export FAL_KEY to run against fal, or pass --emulator to run against the built-in emulator\n",
    );
    expect(r.stdout).toBe("");
    await expect(readdir(out)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("rejects a bad manifest with file:line:column before sending anything", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "bad.yaml"), "name: bad\nmodel: seedream-v9\nimages: {}\nprompts: { a: hi }\n");
    emulator = await emulators.start({ inferenceMs: 0 });
    const r = await runCli(
      ["run", join(dir, "bad.yaml"), "-o", join(dir, "out"), "--fal-base-url", emulator.url],
      {
        env: { FAL_KEY: KEY },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `seedream-pipeline: ${join(dir, "bad.yaml")}:2:8: model: unknown model \`seedream-v9\`, did you mean \`seedream-v4.5\`? models: seedream-v4.5, fal-ai/bytedance/seedream/v4.5/edit, seedream-v5-lite, bytedance/seedream/v5/lite/edit, fal-ai/bytedance/seedream/v5/lite/edit\n`,
    );
    expect(emulator.requests).toHaveLength(0);
  });

  it("stops at the first rejected key: exit 2, nothing submitted", async () => {
    const dir = await tempDir();
    emulator = await emulators.start({ inferenceMs: 0, apiKeys: ["the-right-key"] });
    const out = join(dir, "out");
    const r = await runCli(["run", "pipelines/demo.yaml", "-o", out, "--fal-base-url", emulator.url], {
      env: { FAL_KEY: KEY },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("seedream-pipeline: fal rejected the credentials: Invalid API key");
    expect(emulator.requests.filter((x) => x.op === "submit")).toHaveLength(0);
    const report = await readReport(join(out, "demo"));
    expect(report.totals).toMatchObject({ jobs: 6, not_run: 6 });
  });

  it("prints help with the exit codes", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: seedream-pipeline");
    const table = r.stdout.slice(r.stdout.indexOf("Exit codes:"));
    // One row per code, the meanings in one column.
    expect([...table.matchAll(/^ {2}(\d+) +/gm)].map((m) => [m[1], m[0].length])).toEqual(
      ["0", "1", "2", "3", "69", "70", "73", "75", "130", "143"].map((c) => [c, 7]),
    );
    expect(table).toContain("69   fal stayed unreachable past --outage-timeout");
  });
});
