import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import sharp, { type Sharp } from "sharp";
import type { RequestTimeline } from "../src/emulator/index.js";
import type { ImageSpec } from "../src/manifest/types.js";
import type { PendingRender } from "../src/model/kept-image.js";
import { renderPending } from "../src/render/render-image.js";
import { RenderPool } from "../src/render/render-pool.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const KEY = "sk-bench-delivery";
const CLI = join(ROOT, "bin/seedream-pipeline.js");

/** The figures of `npm run bench -- delivery`. */
export interface DeliveryFigures {
  readonly cores: number;
  readonly load: { readonly before: number; readonly after: number };
  readonly busy: {
    readonly jobs: number;
    readonly slots: number;
    readonly asSent: { readonly wallS: number; readonly busyShare: number };
    readonly avif: { readonly wallS: number; readonly busyShare: number };
  };
  readonly throughput: ReadonlyArray<{
    readonly format: string;
    readonly oursPerS: number;
    readonly plainPerS: number;
    readonly plainParallel: number;
  }>;
  readonly shards: ReadonlyArray<{ readonly n: number; readonly wallS: number; readonly exact: boolean }>;
}

async function startEmulator(options: object): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist-bench/bench/emulator-child.js"), JSON.stringify(options)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) return { url: line.trim(), child };
  throw new Error("the emulator did not start");
}

/** A catalog of `jobs` one-image jobs at 2048², with `output` as its output block. */
async function catalog(dir: string, name: string, jobs: number, output: string): Promise<string> {
  await sharp({ create: { width: 640, height: 480, channels: 3, background: "#ccd" } })
    .png()
    .toFile(join(dir, "studio.png"));
  const rows = Array.from({ length: jobs }, (_, i) => `  - { sku: S${i} }`).join("\n");
  const path = join(dir, `${name}.yaml`);
  await writeFile(
    path,
    `name: ${name}\nmodel: seedream-v4.5\nimages: { studio: ./studio.png }\nprompts: { p: "Product {{sku}}" }\nsizes: { s: square_hd }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: p, images: [studio] }]\n${output}`,
  );
  return path;
}

function cli(args: readonly string[]): { ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, FAL_KEY: KEY },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ms: performance.now() - t0 };
}

/** ∫ running / (slots × span), over the span from the first submit to the last completion. */
function busyShare(reqs: readonly RequestTimeline[], slots: number): number {
  const ran = reqs.filter((r) => r.startedAt !== undefined && r.completedAt !== undefined);
  const first = Math.min(...reqs.map((r) => r.submittedAt));
  const last = Math.max(...ran.map((r) => r.completedAt as number));
  const busy = ran.reduce((n, r) => n + ((r.completedAt as number) - (r.startedAt as number)), 0);
  return busy / (slots * Math.max(1, last - first));
}

async function requests(url: string): Promise<RequestTimeline[]> {
  // A fresh connection each time: a kept-alive one may have been closed by the server meanwhile.
  const answer = await fetch(`${url}/_emulator/stats`, { headers: { connection: "close" } });
  return ((await answer.json()) as { requests: RequestTimeline[] }).requests;
}

/** fal's busy share with outputs kept as sent, then with AVIF + a 1200 px AVIF and a 400 px WebP. */
async function benchBusy(dir: string, jobs: number, slots: number, log: (l: string) => void) {
  const { url, child } = await startEmulator({
    apiKeys: [KEY],
    render: "fast-large",
    inferenceMs: { min: 1500, max: 2500 },
    concurrency: slots,
  });
  try {
    const runs: Array<{ wallS: number; busyShare: number }> = [];
    const outputs = [
      "",
      "output:\n  format: avif\n  derivatives:\n    large: 1200 avif\n    thumb: 400 webp\n",
    ];
    for (const [i, output] of outputs.entries()) {
      const before = (await requests(url)).length;
      const manifest = await catalog(dir, `busy${i}`, jobs, output);
      log(`delivery: ${jobs} jobs, ${i === 0 ? "outputs as sent" : "AVIF + 2 derivatives"}…`);
      const { ms } = cli([
        "run",
        manifest,
        "-o",
        join(dir, "out"),
        "--fal-base-url",
        url,
        "--concurrency",
        String(slots),
        "-q",
      ]);
      runs.push({ wallS: ms / 1000, busyShare: busyShare((await requests(url)).slice(before), slots) });
    }
    return { jobs, slots, asSent: runs[0] as (typeof runs)[0], avif: runs[1] as (typeof runs)[0] };
  } finally {
    child.kill("SIGTERM");
  }
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

function plainEncode(image: Sharp, format: string): Sharp {
  if (format === "avif") return image.avif({ quality: 60 });
  if (format === "webp") return image.webp({ quality: 90 });
  if (format === "jpeg") return image.jpeg({ quality: 90, mozjpeg: true });
  return image.png({ compressionLevel: 6 });
}

/** Render throughput per format: ours (the render pool over kept originals) against a plain sharp loop. */
async function benchThroughput(dir: string, count: number, log: (l: string) => void) {
  const folder = join(dir, "render");
  await mkdir(join(folder, ".state", "originals"), { recursive: true });
  const kept: Array<{ sha256: string; path: string }> = [];
  for (let i = 0; i < count; i++) {
    const bytes = await original(i);
    const sha256 = (await import("node:crypto")).createHash("sha256").update(bytes).digest("hex");
    const path = join(folder, ".state", "originals", `${sha256}.png`);
    await writeFile(path, bytes);
    kept.push({ sha256, path });
  }
  const cores = availableParallelism();
  const results: DeliveryFigures["throughput"][number][] = [];
  const formats = (process.env.BENCH_RENDER_FORMATS ?? "png,webp,avif,jpeg").split(",") as Array<
    ImageSpec["format"]
  >;
  for (const format of formats) {
    log(`delivery: render throughput, ${format}…`);
    const ext = EXT[format] as string;
    let best = { perS: 0, parallel: 1 };
    for (const parallel of [1, cores]) {
      const out = join(dir, `plain-${format}-${parallel}`);
      await mkdir(out, { recursive: true });
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < kept.length) {
            const i = next++;
            const input = await readFile((kept[i] as { path: string }).path);
            await plainEncode(sharp(input), format).toFile(join(out, `${i}.${ext}`));
            await plainEncode(sharp(input).resize(1200, 1200, { fit: "inside" }), format).toFile(
              join(out, `${i}.large.${ext}`),
            );
            await sharp(input)
              .resize(400, 400, { fit: "inside" })
              .webp({ quality: 90 })
              .toFile(join(out, `${i}.thumb.webp`));
          }
        }),
      );
      const perS = kept.length / ((performance.now() - t0) / 1000);
      if (perS > best.perS) best = { perS, parallel };
    }
    const pool = new RenderPool();
    const t1 = performance.now();
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
    const oursPerS = kept.length / ((performance.now() - t1) / 1000);
    results.push({ format, oursPerS, plainPerS: best.perS, plainParallel: best.parallel });
  }
  return results;
}

/** `render --shard i/n` as n processes over copies of one folder of kept images: wall time, and whether each image was rendered exactly once. */
async function benchShards(dir: string, jobs: number, log: (l: string) => void) {
  const { url, child } = await startEmulator({
    apiKeys: [KEY],
    render: "fast-large",
    inferenceMs: { min: 5, max: 20 },
    concurrency: 16,
  });
  try {
    const manifest = await catalog(
      dir,
      "shards",
      jobs,
      "output:\n  format: webp\n  derivatives:\n    thumb: 400 webp\n",
    );
    cli(["run", manifest, "-o", join(dir, "kept"), "--fal-base-url", url, "--no-render", "-q"]);
  } finally {
    child.kill("SIGTERM");
  }
  const results: Array<{ n: number; wallS: number; exact: boolean }> = [];
  for (const n of [1, 2, 4]) {
    log(`delivery: ${n} render shard${n === 1 ? "" : "s"}…`);
    const folder = join(dir, `shards-${n}`);
    await cp(join(dir, "kept", "shards"), folder, { recursive: true });
    const t0 = performance.now();
    await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const p = spawn(process.execPath, [CLI, "render", folder, "--shard", `${i + 1}/${n}`, "-q"], {
              stdio: "ignore",
            });
            p.once("exit", (code) =>
              code === 0 ? resolve() : reject(new Error(`shard ${i + 1}/${n} exited ${code}`)),
            );
          }),
      ),
    );
    const wallS = (performance.now() - t0) / 1000;
    const seen = new Map<string, number>();
    for (const name of await readdir(join(folder, ".state", "renders")))
      for (const line of (await readFile(join(folder, ".state", "renders", name), "utf8"))
        .split("\n")
        .filter(Boolean)) {
        const e = JSON.parse(line) as { key: string; n: number };
        seen.set(`${e.key}/${e.n}`, (seen.get(`${e.key}/${e.n}`) ?? 0) + 1);
      }
    results.push({ n, wallS, exact: seen.size === jobs && [...seen.values()].every((c) => c === 1) });
  }
  return results;
}

/**
 * `npm run bench -- delivery`: fal's busy share with heavy rendering beside outputs kept as sent
 * (BENCH_DELIVERY_JOBS, default 160; 8 slots; inference 1.5–2.5 s; 2048² results), render
 * throughput against a plain sharp loop per format (BENCH_RENDER_IMAGES, default 12), and
 * `render` shards 1, 2 and 4 as processes (BENCH_SHARD_JOBS, default 48). BENCH_RENDER_FORMATS and
 * BENCH_DELIVERY_PARTS pick some of it.
 */
export async function benchDelivery(log: (line: string) => void = () => {}): Promise<DeliveryFigures> {
  const dir = await mkdtemp(join(tmpdir(), "seedream-bench-delivery-"));
  const before = loadavg()[0] as number;
  try {
    // BENCH_DELIVERY_PARTS=throughput,shards: only those parts (on a busy machine, one at a time).
    const parts = (process.env.BENCH_DELIVERY_PARTS ?? "busy,throughput,shards").split(",");
    const none = { wallS: 0, busyShare: 0 };
    const busy = parts.includes("busy")
      ? await benchBusy(dir, Number(process.env.BENCH_DELIVERY_JOBS ?? 160), 8, log)
      : { jobs: 0, slots: 8, asSent: none, avif: none };
    const throughput = parts.includes("throughput")
      ? await benchThroughput(dir, Number(process.env.BENCH_RENDER_IMAGES ?? 12), log)
      : [];
    const shards = parts.includes("shards")
      ? await benchShards(dir, Number(process.env.BENCH_SHARD_JOBS ?? 48), log)
      : [];
    return {
      cores: availableParallelism(),
      load: { before, after: loadavg()[0] as number },
      busy,
      throughput,
      shards,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

/** The figures as tables. */
export function formatDelivery(f: DeliveryFigures): string {
  const b = f.busy;
  return [
    `delivery: ${b.jobs} one-image jobs, ${b.slots} slots, inference 1.5–2.5 s, 2048² results; ${f.cores} cores, load ${f.load.before.toFixed(1)} → ${f.load.after.toFixed(1)}`,
    "| output | wall | fal's slots busy |",
    "|---|---|---|",
    `| as fal sent them | ${b.asSent.wallS.toFixed(0)} s | ${pct(b.asSent.busyShare)} |`,
    `| AVIF + 2 derivatives | ${b.avif.wallS.toFixed(0)} s | ${pct(b.avif.busyShare)} |`,
    `busy share AVIF / as sent: ${pct(b.avif.busyShare / b.asSent.busyShare)} (goal ≥ 95 %)`,
    "",
    "| format (+ 1200 px same format + 400 px WebP) | ours images/s | plain sharp loop images/s (best of 1 and cores at once) | ours / plain |",
    "|---|---|---|---|",
    ...f.throughput.map(
      (t) =>
        `| ${t.format} | ${t.oursPerS.toFixed(2)} | ${t.plainPerS.toFixed(2)} (${t.plainParallel} at once) | ${pct(t.oursPerS / t.plainPerS)} |`,
    ),
    "",
    "| render shards (processes) | wall | each image rendered exactly once |",
    "|---|---|---|",
    ...f.shards.map((s) => `| ${s.n} | ${s.wallS.toFixed(1)} s | ${s.exact ? "yes" : "NO"} |`),
  ].join("\n");
}
