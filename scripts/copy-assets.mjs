// The files tsc does not emit but the code reads beside itself (the browser scripts, the endpoint
// snapshots): copied from src/ into a build's source folder (`dist` for the package,
// `dist-bench/src` for the benchmarks).
import { cpSync } from "node:fs";
import { join } from "node:path";

const target = process.argv[2];
if (!target) throw new Error("usage: node scripts/copy-assets.mjs <folder that mirrors src/>");
for (const folder of ["browser", "endpoints/snapshots"]) {
  cpSync(join("src", folder), join(target, folder), { recursive: true });
}
