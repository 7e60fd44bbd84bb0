import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface PlanFigures {
  readonly rows: number;
  readonly jobs: number;
  /** In-process: read, validate, expand, plan, render the JSON plan. */
  readonly planMs: number;
  readonly peakRssMb: number;
  /** The whole CLI (`plan --json > /dev/null`), node start-up included. */
  readonly cliMs: number;
  readonly goals: { readonly ms: number; readonly rssMb: number };
}

/** Writes a catalog manifest over a generated CSV of `rows` products. */
async function makeCatalog(dir: string, rows: number): Promise<string> {
  await sharp({ create: { width: 1200, height: 900, channels: 3, background: "#ddd" } })
    .png()
    .toFile(join(dir, "studio.png"));
  const lines = ["sku,name,material,image,status"];
  for (let i = 0; i < rows; i++)
    lines.push(
      `SKU-${String(i).padStart(6, "0")},"Runner ${i}, edition ${i % 97}",mesh ${i % 13},https://cdn.example.com/products/${i}.png,${i % 10 === 0 ? "discontinued" : "active"}`,
    );
  await writeFile(join(dir, "products.csv"), `${lines.join("\n")}\n`);
  await writeFile(
    join(dir, "catalog.yaml"),
    `name: bench-catalog
model: seedream-v4.5
images: { studio: ./studio.png }
prompts:
  hero: Replace the product in Figure 1 with the {{name}} shown in Figure 2, in {{material}}.
sizes: { square: square_hd }
rows: ./products.csv
jobs:
  - id: "{{sku}}-hero"
    prompt: hero
    images: [studio, "{{image}}"]
    sizes: [square]
output: { path: "{{sku}}/{{job}}-{{n}}.{{ext}}" }
`,
  );
  return join(dir, "catalog.yaml");
}

/** `plan` over a generated CSV: time and peak memory (goal: < 5 s and < 300 MB). */
export async function benchPlan(rows = 100_000): Promise<PlanFigures> {
  const dir = await mkdtemp(join(tmpdir(), "seedream-bench-plan-"));
  try {
    const manifest = await makeCatalog(dir, rows);
    const child = spawnSync(process.execPath, [join(ROOT, "dist-bench/bench/plan-child.js"), manifest], {
      encoding: "utf8",
    });
    if (child.status !== 0) throw new Error(`plan-child failed: ${child.stderr}`);
    const inProcess = JSON.parse(child.stdout) as { ms: number; jobs: number; maxRssMb: number };
    const t0 = performance.now();
    const cli = spawnSync(
      process.execPath,
      [join(ROOT, "bin/seedream-pipeline.js"), "plan", manifest, "--json"],
      {
        encoding: "utf8",
        maxBuffer: 1 << 30,
      },
    );
    const cliMs = performance.now() - t0;
    if (cli.status !== 0) throw new Error(`plan failed: ${cli.stderr}`);
    return {
      rows,
      jobs: inProcess.jobs,
      planMs: inProcess.ms,
      peakRssMb: inProcess.maxRssMb,
      cliMs,
      goals: { ms: 5000, rssMb: 300 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatPlanFigures(f: PlanFigures): string {
  const r = (x: number) => x.toFixed(2);
  return [
    `plan over a generated CSV of ${f.rows.toLocaleString("en")} rows (${f.jobs.toLocaleString("en")} jobs)`,
    "  figure              measured     goal    measured/goal",
    `  time, in process    ${(f.planMs / 1000).toFixed(2).padStart(7)} s  ${(f.goals.ms / 1000).toFixed(1).padStart(5)} s   ${r(f.planMs / f.goals.ms)}`,
    `  time, whole CLI     ${(f.cliMs / 1000).toFixed(2).padStart(7)} s  ${(f.goals.ms / 1000).toFixed(1).padStart(5)} s   ${r(f.cliMs / f.goals.ms)}`,
    `  peak memory (RSS)   ${f.peakRssMb.toFixed(0).padStart(6)} MB  ${f.goals.rssMb.toFixed(0).padStart(4)} MB   ${r(f.peakRssMb / f.goals.rssMb)}`,
  ].join("\n");
}
