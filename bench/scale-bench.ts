import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const KEY = "sk-bench-scale";

/** What one CLI process cost (see cli-child.ts). */
interface ProcessCost {
  readonly ms: number;
  readonly maxRssMb: number;
  /** CPU time (user + system) of the whole process, all its threads. */
  readonly cpuS: number;
  readonly rchar: number;
  readonly readBytes: number;
  readonly stdout: string;
}

/** The figures of `npm run bench -- scale`. */
export interface ScaleFigures {
  readonly jobs: number;
  readonly render: ScaleRender;
  readonly run: ProcessCost;
  readonly noop: ProcessCost;
  readonly startup: { readonly ms: number; readonly planMs: number; readonly maxRssMb: number };
  /** Every file the run left under the pipeline's folder but `.state/` and `.gallery/`. */
  readonly outputBytes: number;
  readonly reportBytes: number;
  readonly journalBytes: number;
  readonly runsGrowthPerNoopBytes: number;
  readonly galleryFirstPageBytes: number;
  readonly contactSheetBytes: number;
  readonly contactSheetPx: string;
  readonly goals: {
    readonly rssMb: number;
    readonly startupMs: number;
    readonly noopReadShare: number;
    readonly runsGrowthBytes: number;
  };
}

async function folderBytes(dir: string, skip: readonly string[] = []): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if (skip.some((s) => path.startsWith(join(dir, s)))) continue;
    total += (await stat(path)).size;
  }
  return total;
}

async function makeCatalog(dir: string, rows: number): Promise<string> {
  await sharp({ create: { width: 800, height: 600, channels: 3, background: "#ccd" } })
    .png()
    .toFile(join(dir, "studio.png"));
  const lines = ["sku,name"];
  for (let i = 0; i < rows; i++) lines.push(`SKU-${String(i).padStart(6, "0")},Runner ${i}`);
  await writeFile(join(dir, "products.csv"), `${lines.join("\n")}\n`);
  await writeFile(
    join(dir, "catalog.yaml"),
    `name: scale
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square }
rows: ./products.csv
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
output: { path: "{{job}}-{{n}}.{{ext}}" }
`,
  );
  return join(dir, "catalog.yaml");
}

/** The emulator's images: `fast` flat PNGs of a few kilobytes, `fast-large` about 1.7 MB each. */
export type ScaleRender = "fast" | "fast-large";

async function startEmulatorChild(render: ScaleRender): Promise<{ url: string; child: ChildProcess }> {
  const prof = process.env.BENCH_CPU_PROF;
  const child = spawn(
    process.execPath,
    [
      ...(prof ? ["--cpu-prof", "--cpu-prof-dir", prof] : []),
      join(ROOT, "dist-bench/bench/emulator-child.js"),
      JSON.stringify({ apiKeys: [KEY], render, inferenceMs: { min: 5, max: 20 }, concurrency: 32 }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) return { url: line.trim(), child };
  throw new Error("the emulator did not start");
}

async function runCliMeasured(args: readonly string[], measureFile: string): Promise<ProcessCost> {
  // BENCH_CPU_PROF=<dir>: each CLI run writes a V8 CPU profile there (see bench/profile-summary.ts).
  const prof = process.env.BENCH_CPU_PROF;
  const flags = prof ? ["--cpu-prof", "--cpu-prof-dir", prof] : [];
  const r = spawnSync(process.execPath, [...flags, join(ROOT, "dist-bench/bench/cli-child.js"), ...args], {
    env: { ...process.env, FAL_KEY: KEY, BENCH_MEASURE_FILE: measureFile },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`cli-child exited ${r.status}: ${r.stderr}`);
  const cost = JSON.parse(await readFile(measureFile, "utf8")) as ProcessCost & { code: number };
  if (cost.code !== 0) throw new Error(`run exited ${cost.code}: ${r.stderr}${cost.stdout}`);
  return cost;
}

/**
 * A catalog of `jobs` rows run against the emulator (fast render, jobs of 5–20 ms, C = 32), then
 * run again with nothing changed; each in its own process, so peak RSS is the run's own.
 */
export async function benchScale(
  jobs = 100_000,
  log: (line: string) => void = () => {},
  render: ScaleRender = "fast",
): Promise<ScaleFigures> {
  const dir = await mkdtemp(join(tmpdir(), "seedream-bench-scale-"));
  const { url, child } = await startEmulatorChild(render);
  try {
    const manifest = await makeCatalog(dir, jobs);
    const out = join(dir, "out");
    const folder = join(out, "scale");
    const args = ["run", manifest, "-o", out, "--fal-base-url", url, "--concurrency", "32", "--quiet"];
    log(`scale: first night of ${jobs} jobs…`);
    const run = await runCliMeasured(args, join(dir, "run.json"));
    log(`scale: first night ${(run.ms / 1000).toFixed(1)} s; no-op night…`);
    const runsBefore = await folderBytes(join(folder, "runs"));
    const noop = await runCliMeasured(args, join(dir, "noop.json"));
    const runsGrowth = (await folderBytes(join(folder, "runs"))) - runsBefore;
    const s = spawnSync(
      process.execPath,
      [join(ROOT, "dist-bench/bench/startup-child.js"), manifest, folder],
      {
        encoding: "utf8",
      },
    );
    if (s.status !== 0) throw new Error(`startup-child failed: ${s.stderr}`);
    const startup = JSON.parse(s.stdout) as ScaleFigures["startup"];
    const sheet = await sharp(join(folder, "contact-sheet.png")).metadata();
    return {
      jobs,
      render,
      run,
      noop,
      startup,
      outputBytes: await folderBytes(folder, [".state", ".gallery", "runs", "report.json", "index.html"]),
      reportBytes: (await stat(join(folder, "report.json"))).size,
      journalBytes: (await stat(join(folder, ".state", "journal.jsonl"))).size,
      runsGrowthPerNoopBytes: runsGrowth,
      galleryFirstPageBytes:
        (await stat(join(folder, "index.html"))).size +
        (await stat(join(folder, ".gallery/data/page-1.js"))).size,
      contactSheetBytes: (await stat(join(folder, "contact-sheet.png"))).size,
      contactSheetPx: `${sheet.width}×${sheet.height}`,
      goals: { rssMb: 600, startupMs: 10_000, noopReadShare: 0.01, runsGrowthBytes: 1 << 20 },
    };
  } finally {
    child.kill("SIGTERM");
    // BENCH_KEEP=1 leaves the folder for a look (its path is logged).
    if (process.env.BENCH_KEEP) log(`scale: kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const mark = (ok: boolean) => (ok ? "ok" : "MISSES");

/** The figures as a table beside their goals. */
export function formatScale(f: ScaleFigures): string {
  const g = f.goals;
  const share = f.noop.rchar / f.outputBytes;
  const rows: Array<[string, string, string]> = [
    [
      "first night: wall time, jobs/s, CPU",
      `${(f.run.ms / 1000).toFixed(1)} s, ${((f.jobs * 1000) / f.run.ms).toFixed(0)} jobs/s, CPU ${f.run.cpuS.toFixed(0)} s`,
      "",
    ],
    [
      "first night: peak RSS",
      `${f.run.maxRssMb.toFixed(0)} MB`,
      `≤ ${g.rssMb} MB ${mark(f.run.maxRssMb <= g.rssMb)}`,
    ],
    [
      "no-op night: wall time, CPU",
      `${(f.noop.ms / 1000).toFixed(1)} s, CPU ${f.noop.cpuS.toFixed(1)} s`,
      "",
    ],
    [
      "no-op night: peak RSS",
      `${f.noop.maxRssMb.toFixed(0)} MB`,
      `≤ ${g.rssMb} MB ${mark(f.noop.maxRssMb <= g.rssMb)}`,
    ],
    [
      "no-op night: bytes read (rchar)",
      `${mb(f.noop.rchar)} = ${(share * 100).toFixed(2)} % of ${mb(f.outputBytes)} of outputs`,
      `< 1 % ${mark(share < g.noopReadShare)}`,
    ],
    ["no-op night: bytes read from disk (read_bytes)", mb(f.noop.readBytes), ""],
    [
      "start-up (plan + journal replay)",
      `${(f.startup.ms / 1000).toFixed(1)} s (plan ${(f.startup.planMs / 1000).toFixed(1)} s), ${f.startup.maxRssMb.toFixed(0)} MB`,
      `≤ ${g.startupMs / 1000} s ${mark(f.startup.ms <= g.startupMs)}`,
    ],
    [
      "runs/ growth per no-op night",
      `${(f.runsGrowthPerNoopBytes / 1024).toFixed(1)} KB`,
      `< 1 MB ${mark(f.runsGrowthPerNoopBytes < g.runsGrowthBytes)}`,
    ],
    ["report.json", mb(f.reportBytes), ""],
    ["journal", mb(f.journalBytes), ""],
    ["gallery first page (index.html + page-1.js)", `${(f.galleryFirstPageBytes / 1024).toFixed(0)} KB`, ""],
    ["contact sheet", `${f.contactSheetPx} px, ${mb(f.contactSheetBytes)}`, "≤ 48 tiles"],
  ];
  return [
    `scale: ${f.jobs} jobs against the emulator (render ${f.render}, C = 32)`,
    ...rows.map((r) => `  ${r[0].padEnd(48)} ${r[1].padEnd(52)} ${r[2]}`),
  ].join("\n");
}
