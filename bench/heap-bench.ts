// `npm run bench -- heap`: what the CLI's heap growth setting does to a process whose garbage
// reaches V8's old space (as a catalog night's end passes do). Moved here from the unit tests,
// where it took 14 s: it measures V8 under our setting, not a behaviour to re-check on every run.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const HEAP_GROWTH = fileURLToPath(new URL("../../dist/cli/heap-growth.js", import.meta.url));

export interface HeapFigures {
  /** Old space peak / live after a full collection, with the setting. */
  readonly limited: number;
  /** The same without it (V8 alone). */
  readonly alone: number;
  /** With the setting called in a process started with `--heap-growing-percent=300`. */
  readonly userChosen: number;
}

/**
 * A child node process that holds about 40 MB live, then churns garbage that lives long enough
 * to reach the old space; returns its old space peak over what was live at the end.
 */
function churn(limit: boolean, nodeFlags: string[] = []): number {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    const old = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space").space_used_size;
    if (${limit}) (await import(${JSON.stringify(HEAP_GROWTH)})).limitHeapGrowth();
    const live = [];
    for (let i = 0; i < 200_000; i++) live.push({ i, s: "live-" + i + "-" + "x".repeat(120) });
    const ring = new Array(50_000);
    let max = 0;
    for (let i = 0; i < 1_500_000; i++) {
      ring[i % ring.length] = { i, s: "gone-" + i + "-" + "y".repeat(60) };
      if (i % 5_000 === 0) max = Math.max(max, old());
    }
    globalThis.gc();
    console.log(JSON.stringify({ max, live: old(), n: live.length + ring.length }));
  `;
  const child = spawnSync(
    process.execPath,
    [...nodeFlags, "--expose-gc", "--input-type=module", "-e", script],
    {
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  if (child.status !== 0) throw new Error(`heap churn child failed: ${child.stderr}`);
  const { max, live } = JSON.parse(child.stdout) as { max: number; live: number };
  return max / live;
}

export function benchHeap(): HeapFigures {
  return {
    limited: churn(true),
    alone: churn(false),
    userChosen: churn(true, ["--heap-growing-percent=300"]),
  };
}

export function formatHeap(f: HeapFigures): string {
  const x = (n: number) => `${n.toFixed(2)} ×`;
  return [
    "heap growth (old space peak / live), a process churning promoted garbage:",
    `  with the CLI's setting       ${x(f.limited)}   (goal < 2 ×)`,
    `  V8 alone                     ${x(f.alone)}   (${(f.alone / f.limited).toFixed(1)} × the limited peak)`,
    `  started with its own 300 %   ${x(f.userChosen)}   (the user's choice kept: > 2.5 ×)`,
  ].join("\n");
}
