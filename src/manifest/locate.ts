import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node } from "yaml";

/** Finds where a path points in a parsed YAML document. */
export interface Locator {
  /** 1-based line and column of the value at `path` (or of its key, with `key`). */
  at(path: readonly PropertyKey[], options?: { key?: boolean }): { line: number; column: number };
}

/** Builds a locator over a document parsed with `lineCounter`. */
export function createLocator(doc: Document, lineCounter: LineCounter): Locator {
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    at(path, options = {}) {
      let node: unknown = doc.contents;
      let best: Node | null = doc.contents;
      for (const [i, segment] of path.entries()) {
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
          );
          if (!pair) break;
          if (last && options.key && isScalar(pair.key)) {
            best = pair.key;
            break;
          }
          node = pair.value;
        } else if (isSeq(node) && typeof segment === "number") {
          node = node.items[segment];
        } else {
          break;
        }
        if (node && typeof node === "object" && "range" in node) best = node as Node;
        else break;
      }
      const offset = best?.range?.[0] ?? 0;
      return pos(offset);
    },
  };
}

export { LineCounter };
