import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

/**
 * Writes a file so that no reader ever sees half of it: a temporary file in the same
 * folder, fsynced, then renamed over the target (write-file-atomic).
 */
export async function writeFileSafely(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, data, { fsync: true });
}
