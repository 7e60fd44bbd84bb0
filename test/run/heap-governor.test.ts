import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { heapGovernor } from "../../src/run/heap-governor.js";

/** Full (mark-compact) collections seen while `fn` runs. */
async function majorGcsDuring(fn: () => void): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  fn();
  // gc entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return seen.filter(
    (e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
  ).length;
}

describe("heapGovernor", () => {
  it("runs a full collection once the heap has grown past its slack, and not before", async () => {
    const patient = heapGovernor(1 << 30);
    expect(await majorGcsDuring(patient)).toBe(0);
    const eager = heapGovernor(0, 0);
    expect(await majorGcsDuring(eager)).toBe(1);
    // The slack is at least a share of what is live: here, ten times the heap.
    const proportional = heapGovernor(0, 10);
    expect(await majorGcsDuring(proportional)).toBe(0);
  });
});
