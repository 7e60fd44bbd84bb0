import { readFileSync } from "node:fs";
import { endpointFromEntry, type ModelEntry, parseModelItem } from "./model-entry.js";
import { type KnownEndpoint, SEEDREAM_ENDPOINTS } from "./seedream.js";
import type { EndpointDefinition } from "./types.js";

/** The Seedream endpoint a short name or any of its ids names. */
export function knownEndpoint(name: string): KnownEndpoint | undefined {
  return SEEDREAM_ENDPOINTS.find((k) => k.rules.model === name || k.id === name || k.aliases.includes(name));
}

/**
 * The ids to ask fal about for a model name: a Seedream endpoint's current id and earlier ones;
 * any other name with a `/` is taken as a fal endpoint id; a bare word that is no short name, none.
 */
export function idsToAsk(name: string): readonly string[] | undefined {
  const known = knownEndpoint(name);
  if (known) return [known.id, ...known.aliases];
  return /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/.test(name) ? [name] : undefined;
}

/** A Seedream endpoint's Model Search entry as shipped in the package (read once). */
const snapshots = new Map<string, ModelEntry>();
export function snapshotEntry(known: KnownEndpoint): ModelEntry {
  let entry = snapshots.get(known.snapshot);
  if (!entry) {
    const text = readFileSync(new URL(`./snapshots/${known.snapshot}`, import.meta.url), "utf8");
    const parsed = parseModelItem(JSON.parse(text));
    if (!parsed) throw new Error(`the shipped snapshot ${known.snapshot} is not a Model Search entry`);
    entry = parsed;
    snapshots.set(known.snapshot, entry);
  }
  return entry;
}

function fromSnapshot(known: KnownEndpoint): EndpointDefinition {
  const made = endpointFromEntry(snapshotEntry(known), { source: "snapshot", known });
  if ("error" in made) throw new Error(`the shipped snapshot ${known.snapshot}: ${made.error}`);
  return made;
}

/** The endpoints a manifest may name, found by short name, current id or an earlier id. */
export class EndpointCatalog {
  readonly #byName = new Map<string, EndpointDefinition>();

  constructor(readonly endpoints: readonly EndpointDefinition[]) {
    for (const e of endpoints) for (const name of [e.model, e.id, ...e.aliases]) this.#byName.set(name, e);
  }

  find(name: string): EndpointDefinition | undefined {
    return this.#byName.get(name);
  }

  /** The names a manifest may use for `model` (for "did you mean" hints). */
  names(): string[] {
    return [...this.#byName.keys()];
  }
}

/** The Seedream endpoints as the snapshots shipped in the package describe them. */
export const ENDPOINTS: readonly EndpointDefinition[] = SEEDREAM_ENDPOINTS.map(fromSnapshot);

/** The catalog of the shipped snapshots: what a run uses when fal cannot be asked. */
const SHIPPED_CATALOG = new EndpointCatalog(ENDPOINTS);

/** Finds a shipped endpoint by its short model name or any of its fal endpoint ids. */
export function findEndpoint(modelOrId: string): EndpointDefinition | undefined {
  return SHIPPED_CATALOG.find(modelOrId);
}

/** Finds an endpoint of `endpoints` by the path a queue submit was sent to (`/fal-ai/bytedance/…/edit`), under any of its ids. */
export function findEndpointByPath(
  path: string,
  endpoints: readonly EndpointDefinition[] = ENDPOINTS,
): EndpointDefinition | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return endpoints.find((e) => e.id === trimmed || e.aliases.includes(trimmed));
}

/** The names a manifest may use for `model` without asking fal. */
export function modelNames(): string[] {
  return SHIPPED_CATALOG.names();
}

/** Where an endpoint's schema came from, for `validate`, `plan` and the run's log. */
export function schemaOrigin(e: Pick<EndpointDefinition, "schema">): string {
  const when = e.schema.fetchedAt === undefined ? "" : ` of ${new Date(e.schema.fetchedAt).toISOString()}`;
  switch (e.schema.source) {
    case "fal":
      return "fal's Model Search API";
    case "cache":
      return `fal's Model Search answer${when}, cached`;
    case "snapshot":
      return "the snapshot shipped with seedream-pipeline";
  }
}
