import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { JournalEntry } from "../../src/journal/journal.js";
import { lockRenderShard } from "../../src/journal/lock.js";
import { readJournalFile } from "../../src/journal/read-journal.js";
import { shardOfKey } from "../../src/render/shard.js";
import type { Report } from "../../src/report/index.js";
import { runArgs } from "../helpers/e2e-run.js";
import { writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { runCli, startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-render-test";
const tempDir = useTempDirs();

/**
 * A catalog of `rows` one-image jobs made as AVIF with an AVIF and a WebP derivative: heavy to
 * render. Tests about who renders what (not how) take WebP: an AVIF of 1920² costs ~1 s of CPU.
 */
async function setUp(rows: number, format: "avif" | "webp" = "avif") {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 320, 240, "#aa7744");
  const list = Array.from({ length: rows }, (_, i) => `  - { sku: P${i} }`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: night\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts: { p: "Product {{sku}}" }\nsizes: { s: square }\nrows:\n${list}\njobs: [{ id: "{{sku}}", prompt: p }]\noutput:\n  format: ${format}\n  sidecar: true\n  derivatives:\n    large: 600 ${format}\n    thumb: 200 webp\n`,
  );
  const emulator = await startEmulator({
    apiKeys: [KEY],
    concurrency: 4,
    inferenceMs: { min: 10, max: 40 },
    render: "fast",
  });
  const out = join(dir, "out");
  return { dir, emulator, out, folder: join(out, "night"), manifest: join(dir, "m.yaml") };
}

/** Every fal call the emulator answered (submits, status, results, file downloads). */
const falCalls = (em: Emulator) =>
  Object.entries(em.stats().calls)
    .filter(([op]) => op !== "control")
    .reduce((n, [, v]) => n + v, 0);

/** The image lines of every render log under `.state/renders/`, by file. */
async function renderLogs(
  folder: string,
): Promise<Map<string, Array<Extract<JournalEntry, { type: "image" }>>>> {
  const dir = join(folder, ".state", "renders");
  const logs = new Map<string, Array<Extract<JournalEntry, { type: "image" }>>>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const lines: Array<Extract<JournalEntry, { type: "image" }>> = [];
    await readJournalFile<JournalEntry>(join(dir, name), (e) => {
      if (e.type === "image") lines.push(e);
    });
    logs.set(name, lines);
  }
  return logs;
}

/** Every output a record names decodes whole, at the size it says. */
async function expectWhole(
  folder: string,
  paths: ReadonlyArray<{ path: string; width: number; height: number }>,
) {
  for (const p of paths) {
    const bytes = await readFile(join(folder, p.path));
    const { info } = await sharp(bytes, { failOn: "error" }).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([p.width, p.height]);
  }
}

describe("rendering apart from delivery", () => {
  it("a run SIGKILLed with its render backlog full is finished by `render` alone: 0 fal calls, every output whole", async () => {
    const { emulator, out, folder, manifest } = await setUp(8);
    try {
      const run = startCli(
        [...runArgs(manifest, out, emulator.url), "--render-backlog", "2", "--concurrency", "4"],
        { env: { FAL_KEY: KEY } },
      );
      let stderr = "";
      await new Promise<void>((resolve) => {
        run.child.stderr?.on("data", (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes("the render backlog is full")) resolve();
        });
        void run.done.then(() => resolve());
      });
      run.child.kill("SIGKILL");
      await run.done;
      const entries = await journalEntries(folder);
      const kept = entries.filter((e) => e.type === "kept");
      const renderedByRun = entries.filter((e) => e.type === "image").length;
      // Paid and kept, with some not rendered: the backlog was full when the run was killed.
      expect(kept.length).toBeGreaterThanOrEqual(3);
      expect(renderedByRun).toBeLessThan(kept.length);

      const before = falCalls(emulator);
      const r = await runCli(["render", folder], { env: {} });
      expect(r.code, r.stderr).toBe(0);
      expect(falCalls(emulator)).toBe(before);
      const logs = await renderLogs(folder);
      const lines = [...logs.values()].flat();
      expect(lines).toHaveLength(kept.length - renderedByRun);
      expect(r.stdout).toContain(`shard 1/1: ${lines.length} images rendered`);
      for (const line of lines) {
        await expectWhole(folder, [line, ...line.derivatives]);
        const sidecar = JSON.parse(await readFile(join(folder, `${line.path}.json`), "utf8")) as {
          image: { sha256: string };
        };
        expect(sidecar.image.sha256).toBe(line.sha256);
      }

      // The next run finds them rendered: nothing more to render for what was kept, nothing paid twice.
      const again = await runCli(runArgs(manifest, out, emulator.url), { env: { FAL_KEY: KEY } });
      expect(again.code, again.stderr).toBe(0);
      expect(emulator.stats().submits).toMatchObject({ accepted: 8, duplicates: 0 });
      const report = JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report;
      expect(report.totals.unrendered_images).toBeUndefined();
      for (const job of report.jobs) {
        expect(job.outputs).toHaveLength(1);
        await expectWhole(folder, [job.outputs[0] as Report["jobs"][number]["outputs"][number]]);
      }
      // The run folded the ended `render`'s log into the journal: each image there exactly once
      // (rendered by the killed run, by `render`, or by this run), and no log left.
      const images = (await journalEntries(folder)).flatMap((e) =>
        e.type === "image" ? [`${e.key}/${e.n}`] : [],
      );
      expect(images).toHaveLength(8);
      expect(new Set(images).size).toBe(8);
      expect(await readdir(join(folder, ".state", "renders"))).toEqual([]);
    } finally {
      await emulator.close();
    }
  }, 300_000);

  it("`render` after a run with --no-render brings report.json and the gallery up to date: every output listed and whole", async () => {
    const { emulator, out, folder, manifest } = await setUp(4);
    try {
      const run = await runCli([...runArgs(manifest, out, emulator.url), "--no-render"], {
        env: { FAL_KEY: KEY },
      });
      expect(run.code, run.stderr).toBe(0);
      const before = JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report;
      expect(before.totals).toMatchObject({ succeeded: 4, images: 0, unrendered_images: 4 });

      const r = await runCli(["render", folder], { env: {} });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("report.json and the gallery list them: every kept image is rendered");
      const report = JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report;
      expect(report.totals.unrendered_images).toBeUndefined();
      expect(report.totals).toMatchObject({ jobs: 4, succeeded: 4, images: 4 });
      expect(report.run.id).toBe(before.run.id);
      const logged = [...(await renderLogs(folder)).values()].flat();
      let bytes = 0;
      for (const job of report.jobs) {
        expect(job.unrendered).toBeUndefined();
        expect(job.outputs).toHaveLength(1);
        const output = job.outputs[0] as Report["jobs"][number]["outputs"][number];
        const line = logged.find((l) => l.key === job.key);
        expect(output).toMatchObject({ path: line?.path, sha256: line?.sha256, content_type: "image/avif" });
        expect(output.derivatives?.map((d) => d.name)).toEqual(["large", "thumb"]);
        await expectWhole(folder, [output, ...(output.derivatives ?? [])]);
        bytes += output.bytes;
      }
      expect(report.totals.bytes).toBe(bytes);
      // The gallery is made from the report: it now shows each rendered image.
      const gallery = await readFile(join(folder, ".gallery", "data", "page-1.js"), "utf8");
      for (const job of report.jobs) expect(gallery).toContain(job.outputs[0]?.path);
      // Rendering again finds nothing to do and leaves the report as it is.
      const again = await runCli(["render", folder], { env: {} });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain("0 images rendered");
      expect(JSON.parse(await readFile(join(folder, "report.json"), "utf8"))).toEqual(report);
    } finally {
      await emulator.close();
    }
  }, 300_000);

  it("a run while a render shard's lock is held only delivers (it says why), and `render` then renders every image exactly once", async () => {
    const { emulator, out, folder, manifest } = await setUp(4, "webp");
    try {
      // Taken the way `render --shard 1/2` takes it: the run must not render what that shard would.
      await mkdir(join(folder, ".state"), { recursive: true });
      const release = await lockRenderShard(folder, "1-of-2", () => {});
      let run: Awaited<ReturnType<typeof runCli>>;
      try {
        run = await runCli(runArgs(manifest, out, emulator.url), { env: { FAL_KEY: KEY } });
      } finally {
        await release();
      }
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(
        "`seedream-pipeline render` is at work on this folder: this run only delivers (as --no-render)",
      );
      expect(run.stdout).toContain("4 delivered by fal (paid, kept) and not rendered yet");
      const delivered = await journalEntries(folder);
      expect(delivered.filter((e) => e.type === "kept")).toHaveLength(4);
      expect(delivered.filter((e) => e.type === "image")).toEqual([]);
      expect(delivered.find((e) => e.type === "run")).toMatchObject({ renders: false });
      const report = JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report;
      expect(report.totals).toMatchObject({ succeeded: 4, images: 0, unrendered_images: 4 });

      const before = falCalls(emulator);
      const r = await runCli(["render", folder], { env: {} });
      expect(r.code, r.stderr).toBe(0);
      expect(falCalls(emulator)).toBe(before);
      const lines = [...(await renderLogs(folder)).values()].flat();
      expect(lines.map((l) => `${l.key}/${l.n}`).sort()).toEqual(
        delivered.flatMap((e) => (e.type === "kept" ? [`${e.key}/${e.n}`] : [])).sort(),
      );
      for (const line of lines) await expectWhole(folder, [line, ...line.derivatives]);
      expect((await journalEntries(folder)).filter((e) => e.type === "image")).toEqual([]);
    } finally {
      await emulator.close();
    }
  }, 300_000);

  it("3 render shards in parallel, beside a run that delivers without rendering, render every image exactly once", async () => {
    const { emulator, out, folder, manifest } = await setUp(12, "webp");
    try {
      const run = startCli([...runArgs(manifest, out, emulator.url), "--no-render"], {
        env: { FAL_KEY: KEY, LOG_LEVEL: "info" },
      });
      // The shards start once the run holds the folder and its journal is open.
      await new Promise<void>((resolve) => {
        let seen = "";
        run.child.stderr?.on("data", (d: Buffer) => {
          seen += d.toString();
          if (seen.includes("run started")) resolve();
        });
        void run.done.then(() => resolve());
      });
      const shards = [1, 2, 3].map((i) => startCli(["render", folder, "--shard", `${i}/3`], { env: {} }));
      const delivered = await run.done;
      expect(delivered.code, delivered.stderr).toBe(0);
      expect(delivered.stdout).toContain("12 delivered by fal (paid, kept) and not rendered yet");
      for (const s of shards) {
        const r = await s.done;
        expect(r.code, r.stderr).toBe(0);
      }
      const kept = (await journalEntries(folder)).filter((e) => e.type === "kept");
      expect(kept).toHaveLength(12);
      const logs = await renderLogs(folder);
      expect([...logs.keys()].sort()).toEqual(["1-of-3.jsonl", "2-of-3.jsonl", "3-of-3.jsonl"]);
      // Each image of each kept job in exactly one shard's log, the shard its key falls to.
      const seen = new Map<string, number>();
      for (const [name, lines] of logs)
        for (const line of lines) {
          expect(name).toBe(`${shardOfKey(line.key, 3)}-of-3.jsonl`);
          seen.set(`${line.key}/${line.n}`, (seen.get(`${line.key}/${line.n}`) ?? 0) + 1);
          await expectWhole(folder, [line, ...line.derivatives]);
        }
      expect([...seen.keys()].sort()).toEqual(kept.map((k) => `${k.key}/${k.n}`).sort());
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
      // The shards ended one after the other, each adding to report.json what was rendered.
      const report = JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report;
      expect(report.totals.unrendered_images).toBeUndefined();
      expect(report.totals.images).toBe(12);
      expect(report.jobs.map((j) => j.outputs[0]?.path).sort()).toEqual(
        [...logs.values()]
          .flat()
          .map((l) => l.path)
          .sort(),
      );
    } finally {
      await emulator.close();
    }
  }, 300_000);
});
