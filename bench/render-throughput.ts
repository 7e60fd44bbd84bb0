import { createHash } from "node:crypto";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";
import type { ImageSpec } from "../src/manifest/types.js";
import type { PendingRender } from "../src/model/kept-image.js";
import { renderPending } from "../src/render/render-image.js";
import { RenderPool } from "../src/render/render-pool.js";

/** One way of using the machine: libvips threads per image (`sharp.concurrency`) × images at once. */
export interface RenderConfig {
  readonly threads: number;
  readonly parallel: number;
}

/** Images a second (wall) and CPU per image (this process: JS and libvips threads). */
export interface RenderSpeed {
  readonly perS: number;
  readonly cpuMsPerImage: number;
}

/** One format at one configuration: the render pool and the plain loop, measured back to back. */
export interface ThroughputRow extends RenderConfig {
  readonly format: string;
  readonly ours: RenderSpeed;
  readonly plain: RenderSpeed;
  /** The 1-minute load average as the pair started (others' work on the machine). */
  readonly load: number;
}

/** The sweep's configurations: BENCH_RENDER_THREADS × BENCH_RENDER_PARALLEL (default 1,2 × 1,2,3). */
export function renderConfigs(): RenderConfig[] {
  const list = (name: string, fallback: string) =>
    (process.env[name] ?? fallback).split(",").map((v) => Math.max(1, Number(v)));
  return list("BENCH_RENDER_THREADS", "1,2").flatMap((threads) =>
    list("BENCH_RENDER_PARALLEL", "1,2,3").map((parallel) => ({ threads, parallel })),
  );
}

/** A 2048² original like the emulator's large results: flat, a band of noise across the top. */
async function original(i: number): Promise<Buffer> {
  const band = await sharp({
    create: {
      width: 2048,
      height: 300,
      channels: 3,
      background: "#000",
      noise: { type: "gaussian", mean: 128, sigma: 20 },
    },
  })
    .png()
    .toBuffer();
  return sharp({
    create: { width: 2048, height: 2048, channels: 3, background: `hsl(${(i * 47) % 360}, 40%, 55%)` },
  })
    .composite([{ input: band, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

const spec = (format: ImageSpec["format"], width?: number): ImageSpec => ({
  format,
  quality: undefined,
  resize:
    width === undefined
      ? undefined
      : { width, height: undefined, fit: "inside", background: "#fff", upscale: false },
  keepMetadata: false,
});

const EXT: Record<string, string> = { png: "png", jpeg: "jpg", webp: "webp", avif: "avif" };

/** The encoder options the render path uses for each format (render-output.ts). */
function plainEncode(image: Sharp, format: string): Sharp {
  if (format === "avif") return image.avif({ quality: 60 });
  if (format === "webp") return image.webp({ quality: 90 });
  if (format === "jpeg") return image.jpeg({ quality: 90, mozjpeg: true });
  return image.png({ compressionLevel: 6 });
}

/** Writes a file and waits until it is on disk, as every output of the render path is. */
async function writeSynced(path: string, bytes: Buffer): Promise<void> {
  const file = await open(path, "w");
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Runs `fn` and says how fast: images a second and this process's CPU per image. */
async function timed(images: number, fn: () => Promise<void>): Promise<RenderSpeed> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  return {
    perS: images / ((performance.now() - t0) / 1000),
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / images,
  };
}

interface Kept {
  readonly sha256: string;
  readonly path: string;
}

/**
 * The plain sharp loop: `parallel` workers, each reading an original and making the same three
 * files as the render path with the same encoder options, each written and fsynced.
 */
async function plainLoop(kept: readonly Kept[], format: string, parallel: number, out: string) {
  const ext = EXT[format] as string;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < kept.length) {
        const i = next++;
        const input = await readFile((kept[i] as Kept).path);
        await writeSynced(join(out, `${i}.${ext}`), await plainEncode(sharp(input), format).toBuffer());
        const large = sharp(input).resize(1200, 1200, { fit: "inside" });
        await writeSynced(join(out, `${i}.large.${ext}`), await plainEncode(large, format).toBuffer());
        const thumb = sharp(input).resize(400, 400, { fit: "inside" }).webp({ quality: 90 });
        await writeSynced(join(out, `${i}.thumb.webp`), await thumb.toBuffer());
      }
    }),
  );
}

/** The render path: the render pool over kept originals, as `render` and a run use it. */
async function oursLoop(
  kept: readonly Kept[],
  format: ImageSpec["format"],
  parallel: number,
  folder: string,
) {
  const ext = EXT[format] as string;
  const pool = new RenderPool({ parallel });
  for (const [i, k] of kept.entries()) {
    const pending: PendingRender = {
      n: 1,
      sourceUrl: "bench",
      original: { sha256: k.sha256, ext: "png" },
      width: 2048,
      height: 2048,
      contentType: "image/png",
      recipe: {
        job: `job-${i}`,
        settings: format,
        main: { spec: spec(format), path: `${format}/${i}.${ext}` },
        derivatives: [
          { name: "large", spec: spec(format, 1200), path: `${format}/${i}.large.${ext}` },
          { name: "thumb", spec: spec("webp", 400), path: `${format}/${i}.thumb.webp` },
        ],
        sidecar: { job: `job-${i}` },
      },
    };
    await pool.add(async () => {
      await renderPending(folder, pending);
    });
  }
  await pool.idle();
}

/**
 * Render throughput per format and configuration: the render pool against a plain sharp loop
 * doing the same work (the 2048² main file, a 1200 px one in the same format, a 400 px WebP, each
 * written and fsynced), back to back at each configuration so both meet the same load.
 */
export async function benchThroughput(
  dir: string,
  count: number,
  log: (l: string) => void,
): Promise<ThroughputRow[]> {
  const folder = join(dir, "render");
  await mkdir(join(folder, ".state", "originals"), { recursive: true });
  const kept: Kept[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = await original(i);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const path = join(folder, ".state", "originals", `${sha256}.png`);
    await writeFile(path, bytes);
    kept.push({ sha256, path });
  }
  const formats = (process.env.BENCH_RENDER_FORMATS ?? "png,webp,avif,jpeg").split(",") as Array<
    ImageSpec["format"]
  >;
  const threadsBefore = sharp.concurrency();
  const rows: ThroughputRow[] = [];
  try {
    for (const format of formats)
      for (const { threads, parallel } of renderConfigs()) {
        log(`delivery: render throughput, ${format}, ${threads} libvips threads × ${parallel} at once…`);
        sharp.concurrency(threads);
        const out = join(dir, `plain-${format}`);
        await mkdir(out, { recursive: true });
        const load = loadavg()[0] as number;
        const plain = await timed(kept.length, () => plainLoop(kept, format, parallel, out));
        const ours = await timed(kept.length, () => oursLoop(kept, format, parallel, folder));
        rows.push({ format, threads, parallel, ours, plain, load });
      }
  } finally {
    sharp.concurrency(threadsBefore);
  }
  return rows;
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

/** The middle value: pairs measured back to back, less swayed by the load than a best of several. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
const best = (rows: readonly ThroughputRow[], side: "ours" | "plain") =>
  rows.reduce((a, b) => (b[side].perS > a[side].perS ? b : a));

/** The sweep as tables: every configuration, then per format ours (at its best and at the defaults) against the best plain loop. */
export function formatThroughput(rows: readonly ThroughputRow[], defaults: RenderConfig): string {
  if (rows.length === 0) return "";
  const formats = [...new Set(rows.map((r) => r.format))];
  const at = (c: RenderConfig) => `${c.threads}×${c.parallel}`;
  return [
    "Render throughput (2048² original → main file + 1200 px same format + 400 px WebP, each fsynced);",
    "threads×parallel = libvips threads per image (sharp.concurrency) × images at once; CPU = this process's, per image",
    "| format | threads×parallel | ours images/s | ours CPU ms/img | plain images/s | plain CPU ms/img | ours/plain wall | ours/plain CPU | load |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.format} | ${at(r)} | ${r.ours.perS.toFixed(2)} | ${r.ours.cpuMsPerImage.toFixed(0)} | ${r.plain.perS.toFixed(2)} | ${r.plain.cpuMsPerImage.toFixed(0)} | ${pct(r.ours.perS / r.plain.perS)} | ${pct(r.ours.cpuMsPerImage / r.plain.cpuMsPerImage)} | ${r.load.toFixed(1)} |`,
    ),
    "",
    `| format | best plain loop | ours, best | ours at the defaults (${at(defaults)}) | defaults / best plain | ours/plain wall, median | ours/plain CPU, median |`,
    "|---|---|---|---|---|---|---|",
    ...formats.map((f) => {
      const of = rows.filter((r) => r.format === f);
      const plain = best(of, "plain");
      const ours = best(of, "ours");
      const dflt = of.find((r) => r.threads === defaults.threads && r.parallel === defaults.parallel);
      const wall = median(of.map((r) => r.ours.perS / r.plain.perS));
      const cpu = median(of.map((r) => r.ours.cpuMsPerImage / r.plain.cpuMsPerImage));
      return `| ${f} | ${plain.plain.perS.toFixed(2)}/s (${at(plain)}) | ${ours.ours.perS.toFixed(2)}/s (${at(ours)}) | ${dflt ? `${dflt.ours.perS.toFixed(2)}/s` : "not measured"} | ${dflt ? pct(dflt.ours.perS / plain.plain.perS) : "–"} | ${pct(wall)} | ${pct(cpu)} |`;
    }),
  ].join("\n");
}
