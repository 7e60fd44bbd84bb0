import { extname, resolve } from "node:path";
import type { EndpointResolver } from "../endpoints/index.js";
import { LIMITS } from "./limits.js";
import { readRegularFile } from "./read-bounded.js";
import { type CsvManifestOptions, readCsvManifest } from "./read-csv-manifest.js";
import { readYamlManifest } from "./read-yaml-manifest.js";
import type { ReadResult } from "./types.js";

export interface ReadManifestOptions extends CsvManifestOptions {
  /** The environment `{{env.NAME}}` reads. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Resolves the model names the manifest uses to endpoints and their schemas (fal's Model
   * Search API, its cache, or the shipped snapshots). @default the shipped snapshots only
   */
  readonly endpoints?: EndpointResolver;
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
  const csv = extname(file).toLowerCase() === ".csv";
  const read = await readRegularFile(file, csv ? LIMITS.csvBytes : LIMITS.yamlBytes);
  if ("refused" in read)
    return {
      ok: false,
      // The path is the one given, as every other message of this file names it.
      issues: [
        {
          file: manifestPath,
          line: 1,
          column: 1,
          field: "",
          message: read.refused.replace(file, manifestPath),
        },
      ],
    };
  const text = read.bytes.toString("utf8");
  return csv
    ? await readCsvManifest(file, manifestPath, text, options, env, options.endpoints)
    : await readYamlManifest(file, manifestPath, text, env, options.endpoints);
}
