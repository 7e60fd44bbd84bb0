import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

let written = 0;

/** A temporary name beside `path`: its name, a dot and digits (what `cleanTempFiles` removes). */
const tempName = (path: string) => `${path}.${process.pid}${++written}`;

/** Opens a new file for writing, making its folder when it is missing. */
async function create(path: string) {
  try {
    return await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dirname(path), { recursive: true });
    return open(path, "wx");
  }
}

/**
 * Writes a file so that no reader ever sees half of it: a temporary file in the same folder,
 * fsynced (unless `fsync: false`, for files that can be made again), then renamed over the
 * target. The few lines write-file-atomic would do, without what it adds to every file
 * (resolving symlinks with an lstat per path component, a stat, chown and chmod to copy the
 * old file's owner, an unlink): about a dozen thread-pool calls an image that, at 100,000 jobs
 * a night, were what held delivery back. A symlink at the target is replaced, not followed.
 */
export async function writeFileSafely(
  path: string,
  data: string | Buffer,
  options: { readonly fsync?: boolean } = {},
): Promise<void> {
  const tmp = tempName(path);
  const file = await create(tmp);
  try {
    await file.writeFile(data);
    if (options.fsync ?? true) await file.sync();
  } catch (error) {
    await file.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
