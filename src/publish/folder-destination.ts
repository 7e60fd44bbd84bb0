import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../files/index.js";
import type { Destination, Existing } from "./destination.js";

/**
 * A local (or mounted) folder: each file written atomically; what is there is known by hashing
 * it (a folder keeps no metadata), so an unchanged file is not written again.
 */
export function folderDestination(path: string): Destination {
  const root = resolve(path);
  return {
    id: `file://${root}`,
    async head(key: string): Promise<Existing | undefined> {
      try {
        const bytes = await readFile(join(root, key));
        return { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async put(key, bytes) {
      await writeFileAtomic(join(root, key), bytes, { within: root });
    },
    async delete(key) {
      await rm(join(root, key), { force: true });
    },
  };
}
