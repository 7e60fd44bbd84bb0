import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * `writeFileAtomic`'s temporary names (and write-file-atomic's, which older versions used): the
 * target's name, a dot and digits. The journal's and the review decisions' (`.jsonl`) included:
 * a compaction killed midway leaves a copy of the whole journal.
 */
const TEMP = /\.(png|jpe?g|webp|avif|gif|tiff|heic|json|jsonl|html|js)\.\d+$/i;

/**
 * Removes the temporary files a killed run left behind (a write that never got renamed), under
 * the output folder. Returns how many were removed.
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
  for (const name of names)
    if (TEMP.test(name)) {
      await rm(join(outputDir, name), { force: true });
      removed += 1;
    }
  return removed;
}
