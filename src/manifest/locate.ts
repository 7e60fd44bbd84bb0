import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node } from "yaml";
import type { Located } from "./types.js";

/** `jobs[0].images[1]` from `["jobs", 0, "images", 1]`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

/** Finds where a path points in a parsed YAML document. */
export type Locator = (path: readonly PropertyKey[], options?: { key?: boolean }) => Located;

/** A locator over a document parsed with `lineCounter`; `file` is how messages name it. */
export function createLocator(file: string, doc: Document, lineCounter: LineCounter): Locator {
  return (path, options = {}) => {
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
    const p = lineCounter.linePos(best?.range?.[0] ?? 0);
    return { file, line: p.line, column: p.col, field: fieldName(path) };
  };
}

export { LineCounter };
