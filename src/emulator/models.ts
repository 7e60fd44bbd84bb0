import {
  ENDPOINTS,
  type EndpointDefinition,
  endpointFromEntry,
  knownEndpoint,
  type ModelEntry,
  snapshotEntry,
} from "../endpoints/index.js";

/**
 * A model the emulator serves besides (or instead of) the shipped Seedream snapshots: its
 * Model Search entry, and the queue endpoint it answers.
 */
export interface EmulatorModel {
  /** fal's current id for it. @example "bytedance/seedream/v5/pro/edit" */
  readonly endpointId: string;
  /** Its OpenAPI 3.0 document, as `GET /v1/models?expand=openapi-3.0` answers it. */
  readonly openapi: unknown;
  /** @default "active" */
  readonly status?: "active" | "deprecated";
  readonly displayName?: string;
  /** Earlier ids it also answers under (a renamed endpoint). */
  readonly aliases?: readonly string[];
}

/** One model as the emulator serves it: its Model Search entry and what it takes. */
export interface ServedModel {
  readonly entry: ModelEntry;
  readonly endpoint: EndpointDefinition;
}

function served(model: EmulatorModel): ServedModel {
  const entry: ModelEntry = {
    endpointId: model.endpointId,
    status: model.status ?? "active",
    displayName: model.displayName,
    openapi: model.openapi,
  };
  const known = knownEndpoint(model.endpointId);
  const made = endpointFromEntry(entry, { source: "fal", ...(known ? { known } : {}) });
  if ("error" in made) throw new RangeError(`emulator model ${model.endpointId}: ${made.error}`);
  return { entry, endpoint: model.aliases ? { ...made, aliases: model.aliases } : made };
}

/**
 * The models the emulator serves: the shipped Seedream endpoints (under each of their ids),
 * with `models` added or replacing one of the same id. Throws a RangeError naming a model
 * whose document is not an image edit's.
 */
export function servedModels(models: readonly EmulatorModel[]): ServedModel[] {
  const extra = models.map(served);
  const shipped = ENDPOINTS.filter(
    (e) => !extra.some((m) => m.endpoint.id === e.id || e.aliases.includes(m.endpoint.id)),
  ).map((endpoint) => {
    const known = knownEndpoint(endpoint.id);
    if (!known) throw new Error(`shipped endpoint ${endpoint.id} has no rules`);
    return { entry: snapshotEntry(known), endpoint };
  });
  return [...shipped, ...extra];
}

/** The served model an id names (its current id or an earlier one). */
export function servedModel(models: readonly ServedModel[], id: string): ServedModel | undefined {
  return models.find((m) => m.endpoint.id === id || m.endpoint.aliases.includes(id));
}
