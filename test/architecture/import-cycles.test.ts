import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, sourceFiles } from "./source-files.js";

const SRC = resolve("src");

/** Most lines a file in src/ may have (the brief's hard limit). */
const MAX_LINES = 400;

/**
 * Files allowed over the limit for now, each with why. Remove an entry as soon as the file is
 * back under the limit: the test fails on a stale entry, so the list cannot rot.
 */
const OVER_LIMIT_ALLOWED: Readonly<Record<string, string>> = {};

/** The import graph of src/, by path relative to src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC))
    graph.set(
      relative(SRC, file),
      importsOf(file).map((f) => relative(SRC, f)),
    );
  return graph;
}

/** Each cycle of the graph (Tarjan's strongly connected components), as a path that closes on itself. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = (graph.get(node) ?? []).includes(node);
    if (component.length > 1 || selfLoop) components.push(component);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  // Name each component by one concrete loop through it, so the message shows what to cut.
  return components.map((component) => loopThrough(graph, new Set(component)));
}

/** A shortest loop from the component's first file (sorted) back to itself, within the component. */
function loopThrough(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at) as string) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

describe("the shape of src/", () => {
  it("has no import cycle between files", () => {
    const cycles = findCycles(importGraph()).map((loop) => loop.join(" → "));
    expect(cycles).toEqual([]);
  });

  it("resolves every relative import to a file that exists", () => {
    const graph = importGraph();
    const missing = [...graph].flatMap(([file, to]) =>
      to.filter((t) => !graph.has(t)).map((t) => `${file} → ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines (but the allowed ones, which must still need it)`, () => {
    const over: string[] = [];
    const stale: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const name = relative(SRC, file);
      const lines = readFileSync(file, "utf8").split("\n").length - 1;
      if (lines > MAX_LINES && !(name in OVER_LIMIT_ALLOWED)) over.push(`${name}: ${lines} lines`);
      if (lines <= MAX_LINES && name in OVER_LIMIT_ALLOWED)
        stale.push(`${name} is ${lines} lines now: remove it from OVER_LIMIT_ALLOWED`);
    }
    expect([...over, ...stale]).toEqual([]);
  });
});

describe("findCycles", () => {
  it("finds a loop and names it, and passes a graph without one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(findCycles(graph)).toEqual([
      ["a.ts", "b.ts", "c.ts", "a.ts"],
      ["e.ts", "e.ts"],
    ]);
    expect(
      findCycles(
        new Map([
          ["a.ts", ["b.ts"]],
          ["b.ts", []],
        ]),
      ),
    ).toEqual([]);
  });
});
