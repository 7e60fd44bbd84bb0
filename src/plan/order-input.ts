import type { EndpointDefinition } from "../endpoints/index.js";

/** Orders an input as the endpoints' API pages do: prompt, image_size, then the rest in definition order. */
export function orderInput(
  endpoint: EndpointDefinition,
  input: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const images = endpoint.imageField.name;
  for (const key of ["prompt", "image_size", ...Object.keys(endpoint.inputs)])
    if (key !== images && input[key] !== undefined) out[key] = input[key];
  for (const [k, v] of Object.entries(input)) if (!(k in out) && k !== images && v !== undefined) out[k] = v;
  return out;
}
