/** A JSON Schema node as fal's OpenAPI documents write one, with `$ref`s resolved. */
export interface SchemaNode {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxItems?: number;
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
}

/** An endpoint's input as its OpenAPI document gives it: each property, and which are required. */
export interface InputSchema {
  readonly properties: Readonly<Record<string, SchemaNode>>;
  readonly required: readonly string[];
  /** Whether the output schema has a `seed` (undefined when the document has no output schema). */
  readonly outputHasSeed: boolean | undefined;
}

const MAX_DEPTH = 6;
const MAX_PROPERTIES = 200;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Follows `#/components/schemas/Name`; anything else (a remote ref) resolves to nothing. */
function deref(doc: Record<string, unknown>, node: unknown): unknown {
  let current = node;
  // A chain of refs is bounded: a document that refers to itself in a loop must not hang the reader.
  for (let hops = 0; isObject(current) && typeof current.$ref === "string" && hops < 8; hops++) {
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(current.$ref);
    const schemas = isObject(doc.components) ? doc.components.schemas : undefined;
    current = m && isObject(schemas) ? schemas[m[1] as string] : undefined;
  }
  return isObject(current) && typeof current.$ref === "string" ? undefined : current;
}

/** A schema node with only the keys the project reads, refs resolved to a bounded depth. */
function clean(doc: Record<string, unknown>, raw: unknown, depth: number): SchemaNode {
  const node = deref(doc, raw);
  if (!isObject(node) || depth > MAX_DEPTH) return {};
  const out: Record<string, unknown> = {};
  if (typeof node.type === "string") out.type = node.type;
  if (Array.isArray(node.enum)) out.enum = node.enum.slice(0, MAX_PROPERTIES);
  if ("default" in node) out.default = node.default;
  if (typeof node.description === "string") out.description = node.description.slice(0, 2000);
  for (const k of ["minimum", "maximum", "maxItems"] as const)
    if (typeof node[k] === "number" && Number.isFinite(node[k])) out[k] = node[k];
  if (node.items !== undefined) out.items = clean(doc, node.items, depth + 1);
  const variants = Array.isArray(node.anyOf)
    ? node.anyOf
    : Array.isArray(node.oneOf)
      ? node.oneOf
      : undefined;
  if (variants) out.anyOf = variants.slice(0, 16).map((v) => clean(doc, v, depth + 1));
  if (Array.isArray(node.allOf) && node.allOf.length === 1)
    Object.assign(out, clean(doc, node.allOf[0], depth + 1), out);
  if (isObject(node.properties)) {
    const props: Record<string, SchemaNode> = {};
    for (const [k, v] of Object.entries(node.properties).slice(0, MAX_PROPERTIES))
      props[k] = clean(doc, v, depth + 1);
    out.properties = props;
  }
  return out as SchemaNode;
}

/** The POST operation that submits to the endpoint: the one at `/{endpointId}`, else the only one not under `/requests/`. */
function submitOperation(
  paths: Record<string, unknown>,
  endpointIds: readonly string[],
): Record<string, unknown> | undefined {
  for (const id of endpointIds) {
    const item = paths[`/${id}`];
    if (isObject(item) && isObject(item.post)) return item.post;
  }
  const posts = Object.entries(paths).filter(
    ([path, item]) => !path.includes("/requests/") && isObject(item) && isObject(item.post),
  );
  const only = posts.length === 1 ? posts[0]?.[1] : undefined;
  return isObject(only) && isObject(only.post) ? only.post : undefined;
}

function outputHasSeed(doc: Record<string, unknown>, paths: Record<string, unknown>): boolean | undefined {
  for (const [path, item] of Object.entries(paths)) {
    if (!/\/requests\/\{request_id\}$/.test(path) || !isObject(item) || !isObject(item.get)) continue;
    const responses = item.get.responses;
    const ok = isObject(responses) ? responses["200"] : undefined;
    const content = isObject(ok) && isObject(ok.content) ? ok.content["application/json"] : undefined;
    const schema = isObject(content) ? clean(doc, content.schema, 0) : undefined;
    if (schema?.properties) return "seed" in schema.properties;
  }
  return undefined;
}

/**
 * Reads an endpoint's input schema out of its OpenAPI 3.0 document, as fal's Model Search API
 * (`expand=openapi-3.0`) and the shipped snapshots give it: the submit POST's request body,
 * reached by `$ref`. Pure; an answer that is not such a document gives the reason instead.
 */
export function readInputSchema(
  openapi: unknown,
  endpointIds: readonly string[],
): InputSchema | { error: string } {
  if (!isObject(openapi)) return { error: "no OpenAPI document" };
  const paths = openapi.paths;
  if (!isObject(paths)) return { error: "the OpenAPI document has no paths" };
  const post = submitOperation(paths, endpointIds);
  if (!post) return { error: "the OpenAPI document has no submit (POST) operation" };
  const body = isObject(post.requestBody) ? post.requestBody.content : undefined;
  const media = isObject(body) ? body["application/json"] : undefined;
  const raw = isObject(media) ? deref(openapi, media.schema) : undefined;
  if (!isObject(raw) || !isObject(raw.properties))
    return { error: "the submit operation has no JSON input schema" };
  const schema = clean(openapi, raw, 0);
  const required = Array.isArray(raw.required)
    ? raw.required.filter((r): r is string => typeof r === "string")
    : [];
  return { properties: schema.properties ?? {}, required, outputHasSeed: outputHasSeed(openapi, paths) };
}
