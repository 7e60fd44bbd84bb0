import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { ManifestError } from "../errors.js";
import { expandManifest, rememberExpansion } from "../plan/expand.js";
import { type CsvManifestOptions, readCsvManifest } from "./read-csv-manifest.js";
import { readYamlManifest } from "./read-yaml-manifest.js";
import { resolveImages } from "./resolve-images.js";
import type { Manifest } from "./types.js";

export interface ReadManifestOptions extends CsvManifestOptions {
  /** The environment `{{env.NAME}}` reads. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads a YAML or standalone CSV manifest and validates all of it before anything is sent:
 * syntax, schema, endpoint rules, templates over every row, ids, output paths, and every input
 * image (exists, is an image). The one place raw input becomes a typed Manifest; throws a
 * ManifestError with every issue, each at file:line:column.
 */
export async function readManifest(
  manifestPath: string,
  options: ReadManifestOptions = {},
): Promise<Manifest> {
  const file = resolve(manifestPath);
  const env = options.env ?? process.env;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ManifestError([
      {
        file: manifestPath,
        line: 1,
        column: 1,
        field: "",
        message: code === "ENOENT" ? "file not found" : `cannot read (${code})`,
      },
    ]);
  }
  const read =
    extname(file).toLowerCase() === ".csv"
      ? readCsvManifest(file, manifestPath, text, options, env)
      : await readYamlManifest(file, manifestPath, text, env);
  if (!read.ok) throw new ManifestError(read.issues);
  const expansion = expandManifest(read.manifest);
  const resolved = await resolveImages(expansion.imageUses);
  const issues = [...read.issues, ...expansion.issues.all(), ...resolved.issues];
  if (issues.length > 0) throw new ManifestError(issues);
  const manifest = { ...read.manifest, images: resolved.images };
  // The planner would make the same expansion again: hand it over (it does not read images).
  rememberExpansion(manifest, expansion);
  return manifest;
}
