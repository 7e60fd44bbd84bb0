import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/** write-file-atomic's temporary names: the target's name, a dot and a decimal hash. */
const TEMP = /\.(png|jpe?g|webp|avif|gif|tiff|heic|json|html)\.\d+$/i;

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
