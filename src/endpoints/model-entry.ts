import { defineEndpoint, notAnEdit } from "./from-schema.js";
import { readInputSchema } from "./openapi-input.js";
import type { KnownEndpoint } from "./seedream.js";
import type { EndpointDefinition, SchemaSource } from "./types.js";

/** One model as fal's Model Search API lists it (`GET /v1/models?endpoint_id=…&expand=openapi-3.0`). */
export interface ModelEntry {
  readonly endpointId: string;
  readonly status: "active" | "deprecated";
  readonly displayName: string | undefined;
  /** The endpoint's OpenAPI 3.0 document. */
  readonly openapi: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * One item of a Model Search answer, checked: undefined when it has no endpoint id. A status
 * other than `deprecated` is taken as active (fal may add states; only deprecation warns).
 */
export function parseModelItem(raw: unknown): ModelEntry | undefined {
  if (!isObject(raw) || typeof raw.endpoint_id !== "string") return undefined;
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  return {
    endpointId: raw.endpoint_id,
    status: meta.status === "deprecated" ? "deprecated" : "active",
    displayName: typeof meta.display_name === "string" ? meta.display_name.slice(0, 200) : undefined,
    openapi: raw.openapi,
  };
}

/** The same entry in fal's own shape, for the cache file and the emulator. */
export function modelItem(entry: ModelEntry): Record<string, unknown> {
  return {
    endpoint_id: entry.endpointId,
    metadata: {
      ...(entry.displayName === undefined ? {} : { display_name: entry.displayName }),
      status: entry.status,
    },
    openapi: entry.openapi,
  };
}

/** What `endpointFromEntry` is told besides the entry. */
interface EntryContext {
  readonly source: SchemaSource;
  readonly fetchedAt?: number;
  /** The project's rules, for the Seedream endpoints. */
  readonly known?: KnownEndpoint;
}

/**
 * The endpoint a Model Search entry describes, or why it cannot be driven (no schema fal's way,
 * or not an image edit: no prompt, no input image URLs). Pure.
 */
export function endpointFromEntry(
  entry: ModelEntry,
  context: EntryContext,
): EndpointDefinition | { error: string } {
  const known = context.known;
  const ids = known ? [known.id, ...known.aliases] : [entry.endpointId];
  const schema = readInputSchema(entry.openapi, [entry.endpointId, ...ids]);
  if ("error" in schema) return schema;
  const why = notAnEdit(schema);
  if (why) return { error: why };
  return defineEndpoint(
    {
      id: known?.id ?? entry.endpointId,
      aliases: known ? known.aliases : [],
      identity: known?.identity ?? entry.endpointId,
      status: entry.status,
      source: context.source,
      ...(context.fetchedAt === undefined ? {} : { fetchedAt: context.fetchedAt }),
      ...(entry.displayName === undefined ? {} : { title: entry.displayName }),
      schema,
    },
    known?.rules,
  );
}
