import { endpointFromEntry, type ModelEntry } from "./model-entry.js";
import { EndpointCatalog, idsToAsk, knownEndpoint, schemaOrigin, snapshotEntry } from "./registry.js";
import type { EndpointDefinition, SchemaSource } from "./types.js";

/** The endpoints a manifest's model names resolved to, and what could not be. */
export interface ResolvedEndpoints {
  readonly catalog: EndpointCatalog;
  /** Names that name no endpoint, with why (fal does not list it, could not be asked, not an image edit). */
  readonly unknown: ReadonlyMap<string, string>;
  /** Things that run but should be known: a deprecated endpoint, a snapshot used because fal failed. */
  readonly warnings: readonly string[];
}

/**
 * Resolves the model names a manifest uses (`model`, a job's `model`, `prices` keys, a CSV's
 * `model` cells) for the pipeline named `pipeline`: the reader calls it once, then looks every
 * name up in the catalog it gives.
 */
export type EndpointResolver = (names: readonly string[], pipeline: string) => Promise<ResolvedEndpoints>;

/** What fal's Model Search API answered for one id: an entry (now, or cached) or why there is none. */
export type ModelAnswer =
  | {
      readonly entry: ModelEntry;
      readonly source: Exclude<SchemaSource, "snapshot">;
      readonly fetchedAt: number;
    }
  | { readonly note: string };

/**
 * The endpoints for `names` from fal's answers (by id; none when fal was not asked): a fal
 * entry for the current id, else for an earlier id, else the shipped snapshot (Seedream only).
 * `notAsked` says why fal was not asked, when it was not. Pure.
 */
export function resolveNames(
  names: readonly string[],
  answers: ReadonlyMap<string, ModelAnswer>,
  notAsked: string,
): ResolvedEndpoints {
  const endpoints = new Map<string, EndpointDefinition>();
  const unknown = new Map<string, string>();
  const warnings: string[] = [];
  for (const name of new Set(names)) {
    const ids = idsToAsk(name);
    if (!ids) continue; // not a fal id: the reader says "unknown model", with a hint
    const known = knownEndpoint(name);
    const answered = ids.map((id) => answers.get(id));
    const found = answered.find((a) => a !== undefined && "entry" in a);
    const why = (answered.find((a) => a !== undefined && "note" in a) as { note: string } | undefined)?.note;
    let endpoint: EndpointDefinition | undefined;
    if (found && "entry" in found) {
      const made = endpointFromEntry(found.entry, {
        source: found.source,
        fetchedAt: found.fetchedAt,
        ...(known ? { known } : {}),
      });
      if ("error" in made) {
        if (!known) {
          unknown.set(name, `fal lists ${found.entry.endpointId}, but ${made.error}`);
          continue;
        }
        warnings.push(
          `fal's schema for ${known.id} cannot be read (${made.error}): using the shipped snapshot`,
        );
      } else endpoint = made;
    }
    if (!endpoint && known) {
      const made = endpointFromEntry(snapshotEntry(known), { source: "snapshot", known });
      if ("error" in made) throw new Error(`the shipped snapshot of ${known.id}: ${made.error}`);
      endpoint = made;
      if (why) warnings.push(`${known.rules.model}: ${why}; using the schema of ${schemaOrigin(made)}`);
    }
    if (!endpoint) {
      unknown.set(name, why ?? notAsked);
      continue;
    }
    if (endpoint.status === "deprecated" && !endpoints.has(endpoint.id))
      warnings.push(
        `${endpoint.model === endpoint.id ? endpoint.id : `${endpoint.model} (${endpoint.id})`} is deprecated at fal: it still runs, but fal may remove it; fal's model page names its successor`,
      );
    endpoints.set(endpoint.id, endpoint);
  }
  return { catalog: new EndpointCatalog([...endpoints.values()]), unknown, warnings };
}

/** The resolver that never asks fal: the shipped Seedream snapshots only (the default of `readManifest`). */
export const shippedResolver: EndpointResolver = async (names) =>
  resolveNames(
    names,
    new Map(),
    "fal's Model Search API was not asked, and only the Seedream endpoints ship a snapshot",
  );
