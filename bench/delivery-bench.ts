import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import type { RequestTimeline } from "../src/emulator/index.js";
import { RenderPool } from "../src/render/render-pool.js";
import {
  benchThroughput,
  formatThroughput,
  type RenderConfig,
  type ThroughputRow,
} from "./render-throughput.js";

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
  readonly throughput: readonly ThroughputRow[];
  /** The render pool's defaults on this machine, as the sweep names them. */
  readonly renderDefaults: RenderConfig;
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
 * throughput against a plain sharp loop per format and configuration (BENCH_RENDER_IMAGES, default
 * 12; see `benchThroughput`), and
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
      renderDefaults: { threads: sharp.concurrency(), parallel: new RenderPool().parallel },
      shards,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

/** The figures as tables (the parts measured). */
export function formatDelivery(f: DeliveryFigures): string {
  const b = f.busy;
  const busy =
    b.jobs === 0
      ? []
      : [
          `delivery: ${b.jobs} one-image jobs, ${b.slots} slots, inference 1.5–2.5 s, 2048² results`,
          "| output | wall | fal's slots busy |",
          "|---|---|---|",
          `| as fal sent them | ${b.asSent.wallS.toFixed(0)} s | ${pct(b.asSent.busyShare)} |`,
          `| AVIF + 2 derivatives | ${b.avif.wallS.toFixed(0)} s | ${pct(b.avif.busyShare)} |`,
          `busy share AVIF / as sent: ${pct(b.avif.busyShare / b.asSent.busyShare)} (goal ≥ 95 %)`,
          "",
        ];
  const shards =
    f.shards.length === 0
      ? []
      : [
          "",
          "| render shards (processes) | wall | each image rendered exactly once |",
          "|---|---|---|",
          ...f.shards.map((s) => `| ${s.n} | ${s.wallS.toFixed(1)} s | ${s.exact ? "yes" : "NO"} |`),
        ];
  return [
    `${f.cores} cores, load ${f.load.before.toFixed(1)} → ${f.load.after.toFixed(1)}`,
    ...busy,
    formatThroughput(f.throughput, f.renderDefaults),
    ...shards,
  ].join("\n");
}
