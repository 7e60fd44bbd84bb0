// `npm run bench`: every benchmark figure the issues ask for, printed and written as JSON
// under output/bench/. `npm run bench -- plan` runs one group; `npm run bench -- scale --jobs
// 20000` the scale benchmark at another size (`--render fast-large`: results of about 1.7 MB
// each, as real ones); `npm run bench -- delivery` rendering apart from delivery, and
// `render-threads` its render throughput sweep alone. With no group
// named, every group but `scale` and `delivery` (both long: 100,000 jobs, hundreds of AVIFs) runs.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchDelivery, formatDelivery } from "./delivery-bench.js";
import { benchHeap, formatHeap } from "./heap-bench.js";
import { benchPlan, formatPlanFigures } from "./plan-bench.js";
import { benchPostprocess, formatPostprocess } from "./postprocess-bench.js";
import { benchScale, formatScale } from "./scale-bench.js";
import { benchScheduling, formatScheduling } from "./scheduling-bench.js";

const groups: Record<string, () => Promise<{ text: string; data: unknown }>> = {
  heap: async () => {
    const f = benchHeap();
    return { text: formatHeap(f), data: f };
  },
  plan: async () => {
    const f = await benchPlan(Number(process.env.BENCH_PLAN_ROWS ?? 100_000));
    return { text: formatPlanFigures(f), data: f };
  },
  postprocess: async () => {
    const f = await benchPostprocess(Number(process.env.BENCH_POST_IMAGES ?? 24));
    return { text: formatPostprocess(f), data: f };
  },
  scheduling: async () => {
    const scale = Number(process.env.BENCH_TIME_SCALE ?? 0.01);
    const results = await benchScheduling(
      Number(process.env.BENCH_JOBS ?? 1000),
      scale,
      process.env.BENCH_SCENARIO,
    );
    return { text: formatScheduling(results, scale), data: { scale, results } };
  },
  delivery: async () => {
    const f = await benchDelivery((line) => console.log(line));
    return { text: formatDelivery(f), data: f };
  },
  // The render pool's sweep alone (libvips threads × images at once, per format).
  "render-threads": async () => {
    process.env.BENCH_DELIVERY_PARTS = "throughput";
    const f = await benchDelivery((line) => console.log(line));
    return { text: formatDelivery(f), data: f };
  },
  scale: async () => {
    const at = process.argv.indexOf("--jobs");
    const jobs = Number(at > 0 ? process.argv[at + 1] : (process.env.BENCH_SCALE_JOBS ?? 100_000));
    const r = process.argv.indexOf("--render");
    const render = r > 0 && process.argv[r + 1] === "fast-large" ? "fast-large" : "fast";
    const f = await benchScale(jobs, (line) => console.log(line), render);
    return { text: formatScale(f), data: f };
  },
};

const wanted = process.argv.slice(2).filter((a) => a in groups);
const results: Record<string, unknown> = {
  machine: { node: process.version, cpus: (await import("node:os")).cpus().length },
};
for (const name of wanted.length > 0
  ? wanted
  : Object.keys(groups).filter((g) => g !== "scale" && g !== "delivery" && g !== "render-threads")) {
  const group = groups[name];
  if (!group) continue;
  const { text, data } = await group();
  console.log(`${text}\n`);
  results[name] = data;
}
const dir = join("output", "bench");
await mkdir(dir, { recursive: true });
const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
await writeFile(join(dir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`figures written to ${file}`);
