import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

/** Every .ts file below `dir`. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of a file (static, re-exports, `import()` types), resolved to a .ts file in src/. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  // `import("./x.js").T` in a type position is an import too, and preProcessFile misses it.
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1] as string);
  return found
    .filter((spec) => spec.startsWith("."))
    .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
}
