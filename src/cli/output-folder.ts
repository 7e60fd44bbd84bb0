import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ManifestError, PipelineError } from "../errors.js";
import { readManifest } from "../manifest/index.js";
import type { OutputFolderFlags } from "./output-folder-option.js";

/**
 * The output folder a command works on, absolute: a folder as given, or for a manifest (a file)
 * the folder `run` writes it into, `<output root>/<pipeline name>/` (only its name is read:
 * nothing is planned or hashed). Neither, or a manifest whose folder is not there, is a usage error.
 */
export async function outputFolderOf(target: string, flags: OutputFolderFlags = {}): Promise<string> {
  const kind = await stat(target).then(
    (s) => (s.isDirectory() ? "folder" : s.isFile() ? "file" : "other"),
    () => "missing",
  );
  if (kind === "folder") return resolve(target);
  if (kind !== "file") throw new PipelineError("USAGE", `${target}: no such output folder or manifest`);
  const read = await readManifest(target, {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
  });
  if (!read.ok) throw new ManifestError(read.issues);
  const folder = join(flags.output ?? "output", read.manifest.name);
  if (
    !(await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new PipelineError(
      "USAGE",
      `${target}: its output folder ${folder} does not exist: run it first, or give the -o it ran with`,
    );
  return resolve(folder);
}
