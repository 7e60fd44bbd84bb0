import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ManifestError } from "../../src/errors.js";
import type { Manifest } from "../../src/manifest/index.js";
import { type ReadManifestOptions, readManifest } from "../../src/manifest/index.js";
import { type LoadPlanOptions, loadPlan } from "../../src/pipeline/load-plan.js";

/** Writes files (text, or a function that writes the file) under `dir`. */
export async function writeFiles(
  dir: string,
  files: Record<string, string | ((path: string) => Promise<void>)>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    if (typeof content === "string") await writeFile(path, content);
    else await content(path);
  }
}

/** Loads a manifest (every stage) expecting failure; returns each issue as `file:line:column: field: message`. */
export async function manifestErrors(path: string, options: LoadPlanOptions = {}): Promise<string[]> {
  const result: unknown = await loadPlan(path, { env: {}, ...options }).catch((e: unknown) => e);
  if (!(result instanceof ManifestError))
    throw new Error(`expected a ManifestError for ${path}, got ${String(result)}`);
  return result.message.split("\n");
}

/** Reads a manifest (the reading stage only) expecting it to read without an issue. */
export async function readValid(path: string, options: ReadManifestOptions = {}): Promise<Manifest> {
  const read = await readManifest(path, { env: {}, ...options });
  if (!read.ok || read.issues.length > 0) throw new ManifestError(read.issues);
  return read.manifest;
}
