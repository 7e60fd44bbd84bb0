import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import lockfile from "proper-lockfile";
import { PipelineError } from "../errors.js";

/** Who holds an output folder. */
interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * Takes the output folder for this run (proper-lockfile: a lock directory refreshed every 5 s,
 * taken over when stale for 20 s, as after a kill -9). A second run gets a LOCKED error naming
 * the holder. Resolves with the release function.
 */
export async function lockOutput(outputDir: string, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
  const stateDir = join(outputDir, ".state");
  const ownerFile = join(stateDir, "lock-owner.json");
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(stateDir, {
      lockfilePath: join(stateDir, "run.lock"),
      stale: 20_000,
      update: 5_000,
      realpath: false,
      onCompromised,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    let holder = "another process";
    try {
      const owner = JSON.parse(await readFile(ownerFile, "utf8")) as Owner;
      holder = `pid ${owner.pid} on ${owner.host}, running since ${owner.since}`;
    } catch {
      // The holder is between taking the lock and writing its name.
    }
    throw new PipelineError("LOCKED", `another run holds ${relative(process.cwd(), outputDir) || outputDir} (${holder}); try again when it ends`);
  }
  const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFile(ownerFile, `${JSON.stringify(owner)}\n`);
  return release;
}
