import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { PipelineError } from "../errors.js";
import { linkRefused } from "../files/index.js";

/**
 * What an output folder holds that the runner reads back or writes into, by kind. A symlink at
 * any of them would have the runner read another file as its own state, or write (truncate,
 * overwrite) a file or folder outside the output folder.
 */
const FOLDERS = [
  ".state",
  ".state/originals",
  ".state/review",
  ".state/review/rejected",
  ".state/publish",
  ".state/renders",
  "runs",
  ".gallery",
] as const;
const FILES = [
  ".state/journal.jsonl",
  ".state/journal.reserve",
  ".state/prices.json",
  ".state/uploads.json",
  ".state/lock-owner.json",
  ".state/review/decisions.jsonl",
  "report.json",
  "index.html",
  "contact-sheet.png",
] as const;
/** Folders whose every entry is the runner's own (a link among them is refused too). */
const OWN_ENTRIES = [
  ".state",
  ".state/originals",
  ".state/review",
  ".state/publish",
  ".state/renders",
  "runs",
] as const;

function untrusted(path: string, why: string, want: "file" | "folder"): PipelineError {
  return new PipelineError(
    "STATE_UNTRUSTED",
    `${path} ${why}: seedream-pipeline keeps its state there; put the ${want} itself there, or remove it`,
  );
}

async function kindOf(path: string): Promise<"missing" | "link" | "file" | "folder" | "other"> {
  try {
    const s = await lstat(path);
    return s.isSymbolicLink() ? "link" : s.isDirectory() ? "folder" : s.isFile() ? "file" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw error;
  }
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/**
 * Refuses an output folder whose state was tampered with: a symbolic link (or something that
 * is not a file or a folder) where the runner keeps its journal, prices, runs, originals, review
 * or publish state. Checked before the lock is taken and anything is read, so a tampered folder
 * is named whole and early; the files themselves are opened and written without following links
 * too (src/files/), so a link made after this check is an error, not a write elsewhere. The
 * output folder itself may be a link (a mount point, a bigger disk).
 */
export async function checkStateFolder(outputDir: string): Promise<void> {
  for (const rel of [...FOLDERS, ...FILES]) {
    const path = join(outputDir, rel);
    const kind = await kindOf(path);
    const want = (FOLDERS as readonly string[]).includes(rel) ? "folder" : "file";
    if (kind === "missing" || kind === want) continue;
    throw kind === "link" ? await linkRefused(path, want) : untrusted(path, `is not a ${want}`, want);
  }
  for (const rel of OWN_ENTRIES)
    for (const e of await entries(join(outputDir, rel)))
      if (e.isSymbolicLink()) {
        const path = join(outputDir, rel, e.name);
        throw await linkRefused(path, "file");
      }
}
