import { seedreamV5LiteEdit } from "./seedream-v5-lite-edit.js";
import { seedreamV45Edit } from "./seedream-v45-edit.js";
import type { EndpointDefinition } from "./types.js";

/** Every endpoint the project drives. */
export const ENDPOINTS: readonly EndpointDefinition[] = [seedreamV45Edit, seedreamV5LiteEdit];

/** Finds an endpoint by its short model name or its full fal endpoint id. */
export function findEndpoint(modelOrId: string): EndpointDefinition | undefined {
  return ENDPOINTS.find((e) => e.model === modelOrId || e.id === modelOrId);
}

/** Finds an endpoint by the path a queue submit was sent to (`/fal-ai/bytedance/…/edit`). */
export function findEndpointByPath(path: string): EndpointDefinition | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return ENDPOINTS.find((e) => e.id === trimmed);
}

/** The names a manifest may use for `model`. */
export function modelNames(): string[] {
  return ENDPOINTS.flatMap((e) => [e.model, e.id]);
}
