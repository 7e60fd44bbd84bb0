import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

/**
 * Writes a file so that no reader ever sees half of it: a temporary file in the same
 * folder, fsynced (unless `fsync: false`, for files that can be made again), then renamed over the target (write-file-atomic).
 */
export async function writeFileSafely(
  path: string,
  data: string | Buffer,
  options: { readonly fsync?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, data, { fsync: options.fsync ?? true });
}
