// Start-up of a run on a large output folder, alone in its process: plan the manifest, open
// the journal and replay it as it is read, states and history (as a run does). Prints the time and peak RSS as JSON.

import { Journal } from "../src/journal/journal.js";
import { type KeyState, replayEntry } from "../src/journal/key-state.js";
import { StatusHistory } from "../src/journal/status-history.js";
import { loadPlan } from "../src/pipeline/load-plan.js";

const [manifest, folder] = process.argv.slice(2);
if (!manifest || !folder) throw new Error("usage: startup-child <manifest> <output folder>");
const started = performance.now();
const { plan } = await loadPlan(manifest, { env: {} });
const planMs = performance.now() - started;
const states = new Map<string, KeyState>();
const history = new StatusHistory();
const opened = await Journal.open(folder, Date.now, undefined, (e) => {
  replayEntry(states, e);
  history.add(e);
});
opened.journal.close();
process.stdout.write(
  `${JSON.stringify({
    ms: performance.now() - started,
    planMs,
    jobs: plan.jobs.length,
    keys: states.size,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
