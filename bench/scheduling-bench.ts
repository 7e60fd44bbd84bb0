import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFalClient } from "@fal-ai/client";
import pLimit from "p-limit";
import sharp from "sharp";
import type { EmulatorOptions, EmulatorStats } from "../src/emulator/index.js";
import { redirectingFetch } from "../src/fal/redirect-fetch.js";
import { runPipeline } from "../src/pipeline/run-pipeline.js";
import { type Measures, measure } from "./measures.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENDPOINT = "fal-ai/bytedance/seedream/v5/lite/edit";

/** One scenario: the account's capacity over time, faults, and the number of jobs. */
export interface Scenario {
  readonly name: string;
  readonly jobs: number;
  readonly concurrency: number;
  /** Capacity steps (real ms after start). */
  readonly steps?: ReadonlyArray<{ readonly atMs: number; readonly concurrency: number }>;
  readonly faults?: EmulatorOptions["faults"];
}

export type RunnerName = "ours" | "naive p-limit(C)" | "naive p-limit(2C)";

export interface ScenarioResult {
  readonly scenario: string;
  readonly runner: RunnerName;
  readonly measures: Measures;
}

async function startChild(options: EmulatorOptions): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist-bench/bench/emulator-child.js"), JSON.stringify(options)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", () => reject(new Error("emulator child exited")));
  });
  return { url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Our runner, through the library, on a manifest of `jobs` rows. */
async function runOurs(
  url: string,
  jobs: number,
  dir: string,
): Promise<{ succeeded: number; failedTransient: number }> {
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#557" } })
    .png()
    .toBuffer();
  const rows = Array.from({ length: jobs }, (_, i) => `  - { n: "${i}" }`).join("\n");
  await writeFile(
    join(dir, "bench.yaml"),
    `name: bench\nmodel: seedream-v5-lite\nimages: { a: "data:image/png;base64,${png.toString("base64")}" }\nprompts: { p: "Job {{n}}" }\nsizes: { s: landscape_16_9 }\nrows:\n${rows}\njobs: [{ id: "job-{{n}}", prompt: p }]\n`,
  );
  const { report } = await runPipeline({
    manifestPath: join(dir, "bench.yaml"),
    outputRoot: join(dir, "out"),
    access: { target: { kind: "base-url", baseUrl: url }, credentials: "bench", description: url },
    concurrency: "auto",
    env: {},
  });
  const failedTransient = [...report.jobs].filter(
    (j) => j.status === "failed" && j.error?.class !== "permanent",
  ).length;
  return { succeeded: report.totals.succeeded, failedTransient };
}

/** The naive baseline: p-limit(k) around fal.subscribe with the client's defaults (poll interval scaled). */
async function runNaive(
  url: string,
  jobs: number,
  k: number,
  scale: number,
): Promise<{ succeeded: number; failedTransient: number }> {
  const fal = createFalClient({ credentials: "bench", fetch: redirectingFetch(url) });
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#557" } })
    .png()
    .toBuffer();
  const image = `data:image/png;base64,${png.toString("base64")}`;
  const limit = pLimit(k);
  let succeeded = 0;
  let failedTransient = 0;
  await Promise.all(
    Array.from({ length: jobs }, (_, i) =>
      limit(async () => {
        try {
          await fal.subscribe(ENDPOINT, {
            input: { prompt: `Job ${i}`, image_urls: [image], image_size: "landscape_16_9" },
            // The client's default of 500 ms, in the benchmark's scaled time.
            pollInterval: Math.max(1, Math.round(500 * scale)),
          });
          succeeded += 1;
        } catch {
          failedTransient += 1;
        }
      }),
    ),
  );
  return { succeeded, failedTransient };
}

/** Runs one scenario for one runner against its own emulator process. */
export async function runScenario(s: Scenario, runner: RunnerName, scale: number): Promise<ScenarioResult> {
  const { url, child } = await startChild({
    concurrency: s.concurrency,
    inferenceMs: { min: 5000, max: 60_000 },
    timeScale: scale,
    render: "fast",
    randomSeed: 42,
    ...(s.steps ? { capacitySchedule: s.steps } : {}),
    ...(s.faults ? { faults: s.faults } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), "seedream-bench-"));
  try {
    const outcome =
      runner === "ours"
        ? await runOurs(url, s.jobs, dir)
        : await runNaive(
            url,
            s.jobs,
            runner === "naive p-limit(C)" ? s.concurrency : 2 * s.concurrency,
            scale,
          );
    const stats = (await (await fetch(`${url}/_emulator/stats`)).json()) as EmulatorStats;
    return {
      scenario: s.name,
      runner,
      measures: measure(stats, scale, s.jobs, outcome.succeeded, outcome.failedTransient, 3),
    };
  } finally {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const RUNNERS: readonly RunnerName[] = ["ours", "naive p-limit(C)", "naive p-limit(2C)"];

/** The scenarios of issue 4: C ∈ {2, 10, 40}, a step 10 → 25 → 6, and 429s with transient faults. */
export function scenarios(jobs: number): Scenario[] {
  return [
    { name: "C=2", jobs, concurrency: 2 },
    { name: "C=10", jobs, concurrency: 10 },
    { name: "C=40", jobs, concurrency: 40 },
    {
      name: "C 10→25→6",
      jobs,
      concurrency: 10,
      steps: [
        { atMs: 8000, concurrency: 25 },
        { atMs: 16_000, concurrency: 6 },
      ],
    },
    {
      name: "C=10, 429s + 5% faults",
      jobs,
      concurrency: 10,
      faults: {
        rateLimit: { perSecond: 120, burst: 40, retryAfter: "seconds" },
        statusErrorRate: 0.02,
        resultErrorRate: 0.02,
        resetRate: 0.005,
        failRequests: 0.01,
      },
    },
  ];
}

/** Every scenario × runner. Runs with little CPU (C = 2) go side by side to save time. */
export async function benchScheduling(jobs: number, scale: number, only?: string): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const s of scenarios(jobs).filter((x) => only === undefined || x.name === only)) {
    if (s.concurrency <= 2)
      results.push(...(await Promise.all(RUNNERS.map((r) => runScenario(s, r, scale)))));
    else for (const r of RUNNERS) results.push(await runScenario(s, r, scale));
  }
  return results;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(d));

/** The table of figures, per scenario and runner, with ours / naive ratios. */
export function formatScheduling(results: readonly ScenarioResult[], scale: number): string {
  const header = [
    "scenario",
    "runner",
    "ok",
    "occupancy",
    "T/(ΣL/C)",
    "max queued",
    "calls/job",
    "detect p50",
    "detect p99",
    "429/job",
    "failed transient",
    "early sends",
    "follow step (job times)",
  ];
  const rows = results.map((r) => {
    const m = r.measures;
    return [
      r.scenario,
      r.runner,
      `${m.succeeded}/${m.jobs}`,
      pct(m.occupancy),
      num(m.makespanRatio, 3),
      String(m.maxQueued),
      num(m.callsPerJob, 1),
      `${num(m.detectionMedianMs, 0)} ms`,
      `${num(m.detectionP99Ms, 0)} ms`,
      num(m.rateLimitedPerJob, 3),
      String(m.failedTransient),
      String(m.earlySends),
      m.follow
        .map((f) => `${f.from}→${f.to}: ${f.jobTimes === undefined ? "never" : num(f.jobTimes, 2)}`)
        .join(", ") || "—",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  const ratios: string[] = [];
  for (const s of new Set(results.map((r) => r.scenario))) {
    const ours = results.find((r) => r.scenario === s && r.runner === "ours")?.measures;
    const naive = results.find((r) => r.scenario === s && r.runner === "naive p-limit(C)")?.measures;
    const naive2 = results.find((r) => r.scenario === s && r.runner === "naive p-limit(2C)")?.measures;
    if (!ours || !naive || !naive2) continue;
    ratios.push(
      `  ${s}: makespan ours/naive(C) ${num(ours.makespanS / naive.makespanS)}, ours/naive(2C) ${num(ours.makespanS / naive2.makespanS)}; ` +
        `calls/job ours/naive(C) ${num(ours.callsPerJob / naive.callsPerJob)}, ours/naive(2C) ${num(ours.callsPerJob / naive2.callsPerJob)}`,
    );
  }
  return [
    `scheduling: inference times U[5, 60] s scaled by ${scale} (times below are emulated: real / ${scale}); ` +
      "naive = p-limit(k) around fal.subscribe with default options (poll interval scaled the same)",
    line(header),
    ...rows.map(line),
    "ratios (ours / baseline):",
    ...ratios,
  ].join("\n");
}
