// Runs in its own process so its peak memory is the plan's alone: loads and plans a
// manifest, writes the JSON plan as `plan --json` does (to a counter, not a terminal), and
// prints time and peak RSS.

import { loadPlan } from "../src/pipeline/load-plan.js";
import { writePlanJson } from "../src/plan/index.js";

const manifest = process.argv[2];
if (!manifest) throw new Error("usage: plan-child <manifest>");
const start = performance.now();
const { plan } = await loadPlan(manifest, { env: {} });
let jsonBytes = 0;
writePlanJson(plan, (chunk) => {
  jsonBytes += chunk.length;
});
const ms = performance.now() - start;
process.stdout.write(
  `${JSON.stringify({ ms, jobs: plan.jobs.length, jsonBytes, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
