import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import lockfile from "proper-lockfile";
import { PipelineError } from "../errors.js";

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Owner;
  } catch {
    // The holder is between taking the lock and writing its name.
    return undefined;
  }
}

/** Whether a process of this machine is alive (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

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
export async function lockOutput(
  outputDir: string,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const stateDir = join(outputDir, ".state");
  const ownerFile = join(stateDir, "lock-owner.json");
  const lockfilePath = join(stateDir, "run.lock");
  const take = () =>
    lockfile.lock(stateDir, { lockfilePath, stale: 20_000, update: 5_000, realpath: false, onCompromised });
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    const owner = await readOwner(ownerFile);
    // A holder on this machine whose process is gone (kill -9, OOM) left a stale lock: take it
    // over now rather than after the staleness timeout.
    if (owner && owner.host === hostname() && !alive(owner.pid)) {
      await rm(lockfilePath, { recursive: true, force: true });
      release = await take();
    } else {
      const holder = owner
        ? `pid ${owner.pid} on ${owner.host}, running since ${owner.since}`
        : "another process";
      throw new PipelineError(
        "LOCKED",
        `another run holds ${relative(process.cwd(), outputDir) || outputDir} (${holder}); try again when it ends`,
      );
    }
  }
  const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFile(ownerFile, `${JSON.stringify(owner)}\n`);
  return release;
}
