import { lstat, readdir, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import lockfile from "proper-lockfile";
import { PipelineError } from "../errors.js";
import { linkRefused, readTextFile, writeFileAtomic } from "../files/index.js";

/** Who holds (or is taking) an output folder. */
interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Who a lock-owner file names; a file that is not one (torn, edited) names no one. */
async function readOwner(file: string): Promise<Owner | undefined> {
  const text = await readTextFile(file);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as Owner);
  } catch {
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

/** A process on this machine that is gone. (On another machine liveness cannot be told: staleness decides.) */
const gone = (o: Owner) => o.host === hostname() && !alive(o.pid);

/**
 * Takes the output folder for this run (proper-lockfile: a lock directory refreshed every 5 s,
 * stale after 20 s). Each run names itself in a candidate file *before* taking the lock and
 * renames it to `lock-owner.json` once it holds it, so a lock left by a killed run (on this
 * machine) is taken over at once, and never one whose holder is alive. A second run gets a
 * LOCKED error naming the holder. Resolves with the release function.
 */
export async function lockOutput(
  outputDir: string,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const stateDir = join(outputDir, ".state");
  const ownerFile = join(stateDir, "lock-owner.json");
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const candidate = join(stateDir, `lock-owner.${me.host}.${me.pid}.json`);
  const lockfilePath = join(stateDir, "run.lock");
  const take = () =>
    lockfile.lock(stateDir, { lockfilePath, stale: 20_000, update: 5_000, realpath: false, onCompromised });
  // Not fsynced: after a crash, a lost candidate only means no one is named.
  await writeFileAtomic(candidate, `${JSON.stringify(me)}\n`, { fsync: false });
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    const owner = await readOwner(ownerFile);
    const others = await candidates(stateDir, candidate);
    const holderGone = owner ? gone(owner) : others.every(gone);
    if (!holderGone) {
      await rm(candidate, { force: true });
      const who = owner ?? others.find((o) => !gone(o));
      const holder = who ? `pid ${who.pid} on ${who.host}, running since ${who.since}` : "another process";
      throw new PipelineError(
        "LOCKED",
        `another run holds ${relative(process.cwd(), outputDir) || outputDir} (${holder}); try again when it ends`,
      );
    }
    await rm(lockfilePath, { recursive: true, force: true });
    release = await take();
  }
  // A rename never follows a link; one there is still refused, saying where.
  if ((await lstat(ownerFile).catch(() => undefined))?.isSymbolicLink()) {
    await rm(candidate, { force: true });
    await release();
    throw await linkRefused(ownerFile);
  }
  await rename(candidate, ownerFile);
  return async () => {
    await rm(ownerFile, { force: true });
    await release();
  };
}

/** Other runs' candidate files; those of processes gone are removed. */
async function candidates(stateDir: string, mine: string): Promise<Owner[]> {
  const names = (await readdir(stateDir)).filter((n) => /^lock-owner\..+\.\d+\.json$/.test(n));
  const owners: Owner[] = [];
  for (const name of names) {
    const path = join(stateDir, name);
    if (path === mine) continue;
    const owner = await readOwner(path);
    if (!owner) continue;
    if (gone(owner)) await rm(path, { force: true });
    else owners.push(owner);
  }
  return owners;
}

/**
 * Whether a run holds the output folder now (its lock is held and fresh), without taking it:
 * for a `render` process, which works beside a run, never instead of one.
 */
export async function runHolds(outputDir: string): Promise<boolean> {
  const stateDir = join(outputDir, ".state");
  return lockfile
    .check(stateDir, { lockfilePath: join(stateDir, "run.lock"), stale: 20_000, realpath: false })
    .catch(() => false);
}

/**
 * Takes one render shard of an output folder (`.state/render-<name>.lock`), so two processes
 * never render the same shard at once: a LOCKED error names the shard when it is held.
 */
export async function lockRenderShard(
  outputDir: string,
  name: string,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const stateDir = join(outputDir, ".state");
  try {
    // Keyed by the shard, not .state: proper-lockfile holds one lock per path in a process, and
    // a run that folds a shard's log holds .state's (run.lock) meanwhile.
    return await lockfile.lock(join(stateDir, `render-${name}`), {
      lockfilePath: join(stateDir, `render-${name}.lock`),
      stale: 20_000,
      update: 5_000,
      realpath: false,
      onCompromised,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    throw new PipelineError(
      "LOCKED",
      `another process renders shard ${name} of ${outputDir}; try again when it ends`,
    );
  }
}

/** Whether a `render` process holds a shard of the output folder now (see `lockRenderShard`). */
export async function renderShardsHold(outputDir: string): Promise<boolean> {
  const stateDir = join(outputDir, ".state");
  const names = (await readdir(stateDir).catch(() => [] as string[])).filter((n) =>
    /^render-.+\.lock$/.test(n),
  );
  for (const name of names) {
    const held = await lockfile
      .check(stateDir, { lockfilePath: join(stateDir, name), stale: 20_000, realpath: false })
      .catch(() => false);
    if (held) return true;
  }
  return false;
}

/**
 * Takes the folder's report (`.state/report.lock`) while `report.json` is read, brought up to
 * date and written again, so two `render` processes ending together never write over what the
 * other added. Waits for a holder (each holds it for a read and a write) up to `waitMs`.
 */
export async function lockReport(
  outputDir: string,
  onCompromised: (error: Error) => void,
  waitMs = 120_000,
): Promise<() => Promise<void>> {
  const stateDir = join(outputDir, ".state");
  const retries = Math.max(1, Math.ceil(waitMs / 500));
  try {
    // Keyed by report.json, not .state: proper-lockfile holds one lock per path in a process,
    // and a run holds .state's (run.lock) while it writes its report.
    return await lockfile.lock(join(outputDir, "report.json"), {
      lockfilePath: join(stateDir, "report.lock"),
      stale: 20_000,
      update: 5_000,
      realpath: false,
      onCompromised,
      retries: { retries, factor: 1, minTimeout: 500, maxTimeout: 500 },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    throw new PipelineError(
      "LOCKED",
      `another process has held the report of ${outputDir} for over ${Math.round(waitMs / 1000)} s`,
    );
  }
}
