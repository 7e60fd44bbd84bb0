import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { type CsvManifestOptions, readCsvManifest } from "./read-csv-manifest.js";
import { readYamlManifest } from "./read-yaml-manifest.js";
import type { ReadResult } from "./types.js";

export interface ReadManifestOptions extends CsvManifestOptions {
  /** The environment `{{env.NAME}}` reads. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads a YAML or standalone CSV manifest: syntax, schema and the endpoint rules (models,
 * inputs, sizes, templates that compile). The one place raw input becomes a typed Manifest.
 * Expanding it over its rows and resolving its images are the next stages (`loadPlan` chains
 * them); each issue is located at file:line:column.
 */
export async function readManifest(
  manifestPath: string,
  options: ReadManifestOptions = {},
): Promise<ReadResult> {
  const file = resolve(manifestPath);
  const env = options.env ?? process.env;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      issues: [
        {
          file: manifestPath,
          line: 1,
          column: 1,
          field: "",
          message: code === "ENOENT" ? "file not found" : `cannot read (${code})`,
        },
      ],
    };
  }
  return extname(file).toLowerCase() === ".csv"
    ? readCsvManifest(file, manifestPath, text, options, env)
    : await readYamlManifest(file, manifestPath, text, env);
}
