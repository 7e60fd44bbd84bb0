import { constants } from "node:fs";
import { copyFile, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { PipelineError } from "../errors.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./streams.js";

/** The example `init` writes, shipped with the package (from dist/cli/ as from src/cli/). */
const TEMPLATE = fileURLToPath(new URL("../../templates/init/", import.meta.url));
const MANIFEST = "catalog.yaml";

/** Every file of the template, as paths relative to it, sorted. */
async function templateFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const path of await readdir(TEMPLATE, { recursive: true }))
    if ((await lstat(join(TEMPLATE, path))).isFile()) files.push(path);
  return files.sort();
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}

/**
 * Copies every file, none over an existing one: each is created exclusively, so a file that
 * appears meanwhile is not overwritten either. On a failure the files written are removed.
 */
async function copyAll(files: readonly string[], target: string): Promise<void> {
  const written: string[] = [];
  try {
    for (const file of files) {
      const to = join(target, file);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(join(TEMPLATE, file), to, constants.COPYFILE_EXCL);
      written.push(to);
    }
  } catch (error) {
    await Promise.all(written.map((f) => rm(f, { force: true })));
    throw error;
  }
}

/**
 * `seedream-pipeline init [dir]`: writes a working example (a manifest, its CSV and sample
 * photos) that validates and runs on the emulator. Refuses, writing nothing, when any of its
 * files is already there.
 */
export async function initCommand(dir: string, io: CliIo): Promise<number> {
  const target = resolve(dir);
  if ((await exists(target)) && !(await lstat(target)).isDirectory())
    throw new PipelineError("USAGE", `init: ${dir} is a file, not a folder`);
  const files = await templateFiles();
  const taken: string[] = [];
  for (const file of files) if (await exists(join(target, file))) taken.push(file);
  if (taken.length > 0)
    throw new PipelineError(
      "USAGE",
      `init: ${taken.join(", ")} already in ${dir}: nothing written (init never overwrites; pick an empty folder)`,
    );
  await copyAll(files, target);
  const cd = relative(process.cwd(), target);
  const photos = files.filter((f) => f.startsWith("photos")).length;
  io.stdout.write(
    [
      `wrote ${MANIFEST}, products.csv and ${photos} photos in ${cd || "."}/`,
      "next:",
      ...(cd ? [`  cd ${cd.includes(" ") ? JSON.stringify(cd) : cd}`] : []),
      `  seedream-pipeline validate ${MANIFEST}`,
      `  seedream-pipeline plan ${MANIFEST}`,
      `  seedream-pipeline run ${MANIFEST} --emulator     # a rehearsal: no key, nothing paid`,
      `  seedream-pipeline review ${MANIFEST} --open`,
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}

/** Adds `init [dir]`. */
export function addInitCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("init")
    .description("write a working example (a manifest, its CSV and sample photos) to start from")
    .argument("[dir]", "the folder to write it in (made if missing)", ".")
    .action(async (dir: string) => done(await initCommand(dir, io)));
}
