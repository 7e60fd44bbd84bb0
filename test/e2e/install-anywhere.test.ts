import { execFile } from "node:child_process";
import { copyFile, cp, mkdir, readFile, rename, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers/temp-dir.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const tempDir = useTempDirs();

/** The environment of this process without npm's own settings from `npm test` (prefix, etc.). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.toLowerCase().startsWith("npm_")) env[k] = v;
  return env;
}

describe("installed from its tarball, used from anywhere", () => {
  it("packs, installs into an empty prefix, and runs from another folder, offline", async () => {
    const work = await tempDir();
    const env = cleanEnv();
    // dist/ is built (npm test builds first); --ignore-scripts keeps `prepare` from building again.
    const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: ROOT,
      env,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    // What `npm install -g <tarball>` does, done offline: this machine has npm's cache of the
    // locked dependency tarballs but not the registry's package lists that npm install -g
    // resolves against. Unpack into <prefix>/lib/node_modules, install the locked production
    // dependencies from the cache (no scripts: the package's own `prepare` is for a clone), and
    // link the command into <prefix>/bin, as npm does.
    const prefix = join(work, "prefix");
    const home = join(prefix, "lib", "node_modules", "seedream-pipeline");
    await mkdir(join(prefix, "lib", "node_modules"), { recursive: true });
    await run("tar", ["xzf", join(work, filename), "-C", join(prefix, "lib", "node_modules")], { env });
    await rename(join(prefix, "lib", "node_modules", "package"), home);
    await copyFile(join(ROOT, "package-lock.json"), join(home, "package-lock.json"));
    await run("npm", ["ci", "--omit=dev", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: home,
      env,
    });
    await mkdir(join(prefix, "bin"));
    await symlink(join(home, "bin", "seedream-pipeline.js"), join(prefix, "bin", "seedream-pipeline"));
    const bin = join(prefix, "bin", "seedream-pipeline");
    const elsewhere = await tempDir();
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const version = await run(bin, ["--version"], { cwd: elsewhere, env });
    expect(version.stdout.trim()).toBe(pkg.version);

    // The examples, copied away from the clone, validate and run with their relative paths.
    await cp(join(ROOT, "pipelines"), join(elsewhere, "my-pipelines"), { recursive: true });
    const valid = await run(bin, ["validate", "my-pipelines/catalog-refresh.yaml"], { cwd: elsewhere, env });
    expect(valid.stdout).toMatch(/^my-pipelines\/catalog-refresh\.yaml: valid, \d+ jobs/);
    const demo = await run(
      bin,
      ["run", "my-pipelines/demo.yaml", "--emulator", "--emulator-time-scale", "0.001", "-q"],
      { cwd: elsewhere, env: { PATH: env.PATH ?? "" } },
    );
    expect(demo.stdout).toContain("6 jobs: 6 succeeded, 0 failed");
    expect(demo.stdout).toContain("report: output/demo/report.json");

    // `init` finds its example in the installed package.
    const init = await run(bin, ["init", "starter"], { cwd: elsewhere, env });
    expect(init.stdout).toMatch(/^wrote catalog\.yaml, products\.csv and 4 photos in starter\//);
    const starter = await run(bin, ["validate", "catalog.yaml"], { cwd: join(elsewhere, "starter"), env });
    expect(starter.stdout).toMatch(/^catalog\.yaml: valid, 6 jobs, 6 images, 3 files to upload\n/);
  }, 240_000);
});
