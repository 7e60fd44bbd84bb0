// Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and
// the files with the most, so a run's per-job overheads show without a profiler UI.
// Usage: node dist-bench/bench/profile-summary.js <file.cpuprofile> [top] [from-s] [to-s]
// (from-s, to-s: only the samples in that window of the profile, in seconds from its start)
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary <file.cpuprofile> [top]");
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const from = Number(fromArg ?? 0) * 1e6;
const to = toArg === undefined ? Number.POSITIVE_INFINITY : Number(toArg) * 1e6;
const self = new Map<number, number>();
let at = 0;
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < from || at > to) return;
  total += dt;
  self.set(id, (self.get(id) ?? 0) + dt);
});
const fns = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)?.callFrame;
  if (!f) continue;
  const short = f.url.replace(/^.*\/node_modules\//, "~/").replace(/^.*\/(dist|src)\//, "$1/");
  const name = `${f.functionName || "(anonymous)"} ${short}:${f.lineNumber + 1}`;
  fns.set(name, (fns.get(name) ?? 0) + us);
  const where = short === "" ? `(${f.functionName})` : short.replace(/^(~\/(@[^/]+\/)?[^/]+)\/.*$/, "$1");
  files.set(where, (files.get(where) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const list = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `  ${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join("\n");
console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s\nby function (self time):\n${list(fns)}`);
console.log(`by file or package:\n${list(files)}`);
