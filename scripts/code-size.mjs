// `node scripts/code-size.mjs [dir]`: the largest files and the longest functions under `src/`
// (or `dir`), measured with the TypeScript compiler's own parser, for the structure budget of
// the style guide (no file over 400 lines, no function over ~60 lines without a reason).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const root = process.argv[2] ?? "src";
const top = Number(process.env.TOP ?? 5);

/** Every .ts file under `dir`. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

/** A function's name as a reader would look for it. */
function nameOf(node, source) {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)))
    return parent.name.getText(source);
  return "(anonymous)";
}

const files = [];
const functions = [];
for (const path of filesUnder(root)) {
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  files.push({ path: relative(".", path), lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0) });
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
      functions.push({ name: nameOf(node, source), path: relative(".", path), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
files.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
console.log(`largest files under ${root}:`);
for (const f of files.slice(0, top)) console.log(`  ${String(f.lines).padStart(5)}  ${f.path}`);
console.log("longest functions:");
for (const f of functions.slice(0, top))
  console.log(`  ${String(f.lines).padStart(5)}  ${f.name} (${f.path})`);
