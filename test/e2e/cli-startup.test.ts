import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const tempDir = useTempDirs();

// A resolve hook (ESM imports) and require.cache at exit (CommonJS, including what an imported
// CommonJS package requires) together list every module the process loaded.
const LOADER = `import { appendFileSync } from "node:fs";
let out;
export function initialize(data) { out = data.out; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(out, r.url + "\\n");
  return r;
}
`;
const HOOK = `import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
const out = process.env.LOADED_LOG;
register(new URL("./loader.mjs", import.meta.url), { data: { out } });
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(out, Object.keys(require.cache).join("\\n") + "\\n"));
`;

/** The packages (node_modules/<name>) a CLI command loads; the command must exit 0. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const dir = await tempDir();
  await writeFile(join(dir, "loader.mjs"), LOADER);
  await writeFile(join(dir, "hook.mjs"), HOOK);
  const log = join(dir, "loaded.log");
  await writeFile(log, "");
  const result = await runCli(args, {
    cwd: ROOT,
    env: { LOADED_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(join(dir, "hook.mjs")).href}` },
  });
  expect(result.code, result.stderr).toBe(0);
  const names = new Set<string>();
  for (const line of (await readFile(log, "utf8")).split("\n")) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(line.replaceAll("\\", "/"));
    if (m?.[1] !== undefined) names.add(m[1]);
  }
  return names;
}

describe("start-up: a command loads what it uses", () => {
  it("--version loads commander and nothing heavy", async () => {
    const loaded = await packagesLoaded(["--version"]);
    expect([...loaded].sort()).toEqual(["commander"]);
  });

  it("validate loads neither the AWS SDK nor the web server", async () => {
    const loaded = await packagesLoaded(["validate", "pipelines/demo.yaml"]);
    // What it does use is seen, so the listing works.
    expect(loaded).toContain("yaml");
    expect(loaded).toContain("sharp");
    const heavy = [...loaded].filter(
      (n) => n.startsWith("@aws-sdk/") || n.startsWith("@smithy/") || n.includes("hono"),
    );
    expect(heavy).toEqual([]);
  });
});
