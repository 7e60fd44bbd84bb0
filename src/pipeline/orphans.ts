import { readdir, rm } from "node:fs/promises";
import { extname, join } from "node:path";
import type { KeyState } from "../journal/key-state.js";
import { originalFile, sidecarPath, stampOf } from "../outputs/index.js";
import type { Job } from "../plan/index.js";
import { deliveryFor } from "../run/delivery.js";

/** Outputs left by a job that is no longer in the manifest (a row removed or filtered out). */
export interface Orphan {
  readonly job: string;
  readonly key: string;
  /** Its files still on disk, relative to the output folder. */
  readonly paths: readonly string[];
}

/** Every file an image record names: the image, its sidecar, its derivatives. */
function filesOf(state: KeyState): string[] {
  return [...state.images.values()].flatMap((r) => [
    r.path,
    sidecarPath(r.path),
    ...r.derivatives.map((d) => d.path),
  ]);
}

const extOfPath = (path: string) => extname(path).slice(1);

/**
 * The files a current job writes where an earlier key of the same job id wrote (its row,
 * prompt or input changed, and its paths do not name what changed): about to be written over,
 * so not orphans.
 */
export function pathsRewritten(
  states: ReadonlyMap<string, KeyState>,
  jobs: readonly Job[],
  currentKeys: ReadonlySet<string>,
): Set<string> {
  const rewritten = new Set<string>();
  let byId: Map<string, Job> | undefined;
  for (const [key, s] of states) {
    if (currentKeys.has(key) || s.images.size === 0) continue;
    byId ??= new Map(jobs.map((j) => [j.id, j]));
    const job = byId.get(s.job);
    if (!job) continue;
    for (const r of s.images.values()) {
      const delivery = deliveryFor(job, r.n, "", undefined, 0);
      const main = delivery.pathFor(extOfPath(r.path));
      rewritten.add(main);
      rewritten.add(sidecarPath(main));
      for (const d of r.derivatives) {
        const planned = delivery.derivatives.find((x) => x.name === d.name);
        if (planned) rewritten.add(planned.pathFor(extOfPath(d.path)));
      }
    }
  }
  return rewritten;
}

/**
 * The outputs of journaled jobs whose key no job of the manifest has any more, leaving out
 * any path a current job's record also names or that a current job is about to write over
 * (`rewritten`: a changed row writes to the same file), and files already gone.
 */
export async function findOrphans(
  outputDir: string,
  states: ReadonlyMap<string, KeyState>,
  currentKeys: ReadonlySet<string>,
  rewritten: ReadonlySet<string> = new Set(),
): Promise<Orphan[]> {
  let any = false;
  for (const [key, s] of states) any ||= !currentKeys.has(key) && s.images.size > 0;
  if (!any) return [];
  const inUse = new Set<string>(rewritten);
  for (const [key, s] of states) if (currentKeys.has(key)) for (const p of filesOf(s)) inUse.add(p);
  const orphans: Orphan[] = [];
  for (const [key, s] of states) {
    if (currentKeys.has(key) || s.images.size === 0) continue;
    const paths: string[] = [];
    for (const p of filesOf(s))
      if (!inUse.has(p) && !paths.includes(p) && (await stampOf(join(outputDir, p))) !== undefined)
        paths.push(p);
    if (paths.length > 0) orphans.push({ job: s.job, key, paths });
  }
  return orphans;
}

/** fal's originals under `.state/originals/` that no current job's image was made from. */
export async function unreferencedOriginals(
  outputDir: string,
  states: ReadonlyMap<string, KeyState>,
  currentKeys: ReadonlySet<string>,
): Promise<string[]> {
  const kept = new Set<string>();
  for (const [key, s] of states)
    if (currentKeys.has(key))
      for (const r of s.images.values()) kept.add(originalFile(outputDir, r.original));
  const dir = join(outputDir, ".state", "originals");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names.map((n) => join(dir, n)).filter((p) => !kept.has(p));
}

/** Removes files (absolute, or relative to `outputDir`); returns how many bytes were freed. */
export async function removeFiles(outputDir: string, paths: readonly string[]): Promise<number> {
  let freed = 0;
  for (const p of paths) {
    const full = p.startsWith("/") ? p : join(outputDir, p);
    freed += (await stampOf(full))?.size ?? 0;
    await rm(full, { force: true });
  }
  return freed;
}
