import { lstat, mkdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { linkRefused } from "./link-refused.js";

/**
 * The folders from below `within` down to `folder` (both resolved as given), or none when
 * `folder` is not under `within`: the part of a path the runner owns, where a link is refused.
 * `within` itself may be a link (an output folder on a bigger disk).
 */
function ownedParts(folder: string, within: string): string[] {
  const rel = relative(within, folder);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return [];
  const parts: string[] = [];
  let at = within;
  for (const part of rel.split(sep)) {
    at = join(at, part);
    parts.push(at);
  }
  return parts;
}

/**
 * Refuses a symbolic link at any folder between `within` and `folder` (a link there would
 * have the runner read or write outside the output folder). A folder that does not exist
 * ends the check: nothing below it exists either. One lstat a folder, none when `folder` is
 * `within` itself.
 */
export async function checkFolders(folder: string, within: string | undefined): Promise<void> {
  if (within === undefined) return;
  for (const part of ownedParts(folder, within)) {
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(part);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw error;
    }
    if (stats.isSymbolicLink()) throw await linkRefused(part, "folder");
  }
}

/** Makes a folder and its parents; an error says why (a read-only file system: EROFS, not ENOENT). */
export async function mkdirs(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    // Node's recursive mkdir says ENOENT on a read-only file system: one level at a time says EROFS.
    const parent = dirname(path);
    if (parent !== path) await mkdirs(parent);
    await mkdir(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  }
}

/**
 * Makes `folder` (and the folders above it) when missing, refusing a symbolic link at any of
 * its parts below `within`, so nothing is made or later written through one. Without `within`, only
 * `folder` itself must not be a link.
 */
export async function makeFolder(folder: string, within: string = dirname(folder)): Promise<void> {
  // Before: mkdir would make folders through a link. After: one made meanwhile is refused too.
  await checkFolders(folder, within);
  await mkdirs(folder);
  await checkFolders(folder, within);
}
