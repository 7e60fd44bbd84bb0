import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * `writeFileAtomic`'s temporary names (and write-file-atomic's, which older versions used): the
 * target's name, a dot and digits. The journal's and the review decisions' (`.jsonl`) included:
 * a compaction killed midway leaves a copy of the whole journal.
 */
const TEMP = /\.(?:png|jpe?g|webp|avif|gif|tiff|heic|json|jsonl|html|js)\.(\d+)(-\d+)?$/i;

/** Whether process `pid` runs (on this machine): EPERM is another user's, alive. */
function alive(pid: number): boolean {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary files a killed run left behind (a write that never got renamed), under
 * the output folder. Returns how many were removed. A temporary file of a process still running
 * (`<pid>-<n>`: a render shard, the review app, writing in the same folder while a run starts)
 * is its write in flight, and kept; digits alone are an older version's, removed.
 */
export async function cleanTempFiles(outputDir: string): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(outputDir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  for (const name of names) {
    const temp = TEMP.exec(name);
    if (!temp || (temp[2] !== undefined && alive(Number(temp[1])))) continue;
    await rm(join(outputDir, name), { force: true });
    removed += 1;
  }
  return removed;
}
