import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets its heap grow past what was live after a full collection, in percent. Left to
 * itself V8 picks a factor of 1.1 to 4, and the end passes of a catalog night (garbage that
 * reaches the old space) then grow the heap several times past what is live; the figures are in
 * docs/benchmarks.md (`npm run bench -- heap`).
 */
export const HEAP_GROWING_PERCENT = 15;

let limited = false;

/** Whether node was started with its own `--heap-growing-percent` (then it is left as given). */
const chosenByUser = () =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) =>
    a.replace(/_/g, "-").startsWith("--heap-growing-percent"),
  );

/**
 * Sets V8's heap growth to `HEAP_GROWING_PERCENT` for the rest of the process (V8's
 * `--heap-growing-percent`, read at every full collection), unless node was started with its
 * own. Process-wide, so only the CLI's bin calls it: a program that embeds `runPipeline` keeps
 * its own heap settings.
 * @public (the bin calls it from dist/, where the unused-export check does not look)
 */
export function limitHeapGrowth(): void {
  if (limited) return;
  limited = true;
  if (!chosenByUser()) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
