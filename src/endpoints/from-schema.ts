import type { InputSchema, SchemaNode } from "./openapi-input.js";
import type { CustomSizeRule, EndpointDefinition, InputKind, SchemaSource, SizeField } from "./types.js";

/** A size value that sends no size field: the endpoint's own default, for a schema without a size enum default. */
export const FAL_DEFAULT_SIZE = "default";

/** What the project knows of an endpoint beyond its schema (the Seedream endpoints' richer rules). */
export interface EndpointRules {
  readonly model: string;
  readonly title: string;
  readonly maxInputImages?: number;
  readonly maxTotalImages?: number;
  readonly returnsSeed?: boolean;
  readonly pricePerImageUsd?: number;
  /** The custom size rule, given the size field's description (where fal writes its pixel bounds in words). */
  readonly customSize?: (description: string) => CustomSizeRule;
}

/** What `defineEndpoint` is given: the ids, fal's status and the schema in force. */
interface EndpointFacts {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly identity: string;
  readonly status: "active" | "deprecated";
  readonly source: SchemaSource;
  readonly fetchedAt?: number;
  readonly title?: string;
  readonly schema: InputSchema;
}

const RATIO = /^\d+(\.\d+)?:\d+(\.\d+)?$/;

/** A nullable optional field (`anyOf: [X, {type: null}]`) is X. */
function unwrap(node: SchemaNode): SchemaNode {
  const real = node.anyOf?.filter((v) => v.type !== "null");
  if (real?.length !== 1 || !real[0]) return node;
  const { anyOf: _, ...rest } = node;
  return { ...rest, ...real[0] };
}

function stringEnum(node: SchemaNode): string[] | undefined {
  const values = node.enum ?? node.anyOf?.find((v) => v.enum)?.enum;
  return values?.every((v) => typeof v === "string") ? (values as string[]) : undefined;
}

/** The `{width, height}` object variant of a size field, if it has one. */
function sizeObject(node: SchemaNode): SchemaNode | undefined {
  const candidates = [node, ...(node.anyOf ?? [])];
  return candidates.find((v) => v.properties?.width !== undefined && v.properties?.height !== undefined);
}

function range(node: SchemaNode | undefined, fallback: { min: number; max: number }) {
  return { min: node?.minimum ?? fallback.min, max: node?.maximum ?? fallback.max };
}

function bounds(node: SchemaNode): { min?: number; max?: number } {
  return {
    ...(node.minimum === undefined ? {} : { min: node.minimum }),
    ...(node.maximum === undefined ? {} : { max: node.maximum }),
  };
}

function kindOf(name: string, raw: SchemaNode, required: boolean): InputKind {
  const node = unwrap(raw);
  const req = required ? { required: true } : {};
  if (name === "image_urls" && node.type === "array") return { type: "image_urls", ...req };
  if (name === "image_url" && (node.type === "string" || node.type === undefined))
    return { type: "image_url", ...req };
  if (sizeObject(node) && (name === "image_size" || stringEnum(node))) return { type: "image_size", ...req };
  const values = stringEnum(node);
  if (values && !sizeObject(node)) return { type: "enum", values, ...req };
  switch (node.type) {
    case "string":
      return { type: "string", ...req };
    case "integer":
      return { type: "integer", ...bounds(node), ...req };
    case "number":
      return { type: "number", ...bounds(node), ...req };
    case "boolean":
      return { type: "boolean", ...req };
    default:
      return { type: "any", ...req };
  }
}

function sizeFieldOf(
  inputs: Record<string, InputKind>,
  props: InputSchema["properties"],
): SizeField | undefined {
  if (inputs.image_size?.type === "image_size" || inputs.image_size?.type === "enum")
    return { kind: "image_size", name: "image_size" };
  for (const [name, kind] of Object.entries(inputs))
    if (kind.type === "image_size") return { kind: "image_size", name };
  for (const [name, kind] of Object.entries(inputs))
    if (kind.type === "enum" && /aspect/.test(name) && kind.values.every((v) => RATIO.test(v)))
      return { kind: "aspect_ratio", name };
  if (inputs.width?.type === "integer" && inputs.height?.type === "integer" && props.width && props.height)
    return { kind: "width_height", width: "width", height: "height" };
  return undefined;
}

function customSizeOf(
  field: SizeField | undefined,
  props: InputSchema["properties"],
  rules?: EndpointRules,
): CustomSizeRule {
  if (!field || field.kind === "aspect_ratio") return { kind: "none" };
  if (field.kind === "width_height") {
    const w = unwrap(props[field.width] ?? {});
    const h = unwrap(props[field.height] ?? {});
    return {
      kind: "sides",
      minSide: Math.max(w.minimum ?? 1, h.minimum ?? 1),
      maxSide: Math.min(w.maximum ?? 16384, h.maximum ?? 16384),
    };
  }
  const node = unwrap(props[field.name] ?? {});
  const object = sizeObject(node);
  if (!object) return { kind: "none" };
  if (rules?.customSize) return rules.customSize(node.description ?? "");
  const w = object.properties?.width ?? {};
  const h = object.properties?.height ?? {};
  return {
    kind: "sides",
    minSide: Math.max(w.minimum ?? 1, h.minimum ?? 1),
    maxSide: Math.min(w.maximum ?? 16384, h.maximum ?? 16384),
  };
}

/** Why a schema is not one of an image edit: it must take a prompt and input image URLs. */
export function notAnEdit(schema: InputSchema): string | undefined {
  const prompt = schema.properties.prompt;
  if (!prompt || unwrap(prompt).type !== "string") return "its schema has no `prompt` string";
  if (!schema.properties.image_urls && !schema.properties.image_url)
    return "its schema takes no input image URLs (`image_urls` or `image_url`)";
  return undefined;
}

/**
 * An endpoint as its schema in force says, with the project's own rules where the schema is
 * silent (pixel bounds written only in words, image counts, the published price). The schema
 * decides which inputs exist: a field it lacks (a `seed` fal removed) is refused. Pure.
 */
export function defineEndpoint(facts: EndpointFacts, rules?: EndpointRules): EndpointDefinition {
  const props = facts.schema.properties;
  const inputs: Record<string, InputKind> = {};
  for (const [name, node] of Object.entries(props))
    inputs[name] = kindOf(name, node, facts.schema.required.includes(name));
  const sizeField = sizeFieldOf(inputs, props);
  const sizeNode =
    sizeField?.kind === "width_height" ? undefined : unwrap(props[sizeField?.name ?? ""] ?? {});
  const sizeEnum = (sizeNode && stringEnum(sizeNode)) ?? [];
  const schemaDefault = sizeNode?.default;
  const imageField = inputs.image_urls
    ? { name: "image_urls", list: true }
    : { name: "image_url", list: false };
  const urls = props.image_urls ? unwrap(props.image_urls) : undefined;
  return {
    model: rules?.model ?? facts.id,
    id: facts.id,
    aliases: facts.aliases,
    identity: facts.identity,
    title: rules?.title ?? facts.title ?? facts.id,
    status: facts.status,
    schema: {
      source: facts.source,
      ...(facts.fetchedAt === undefined ? {} : { fetchedAt: facts.fetchedAt }),
    },
    imageField,
    sizeField,
    sizeEnum,
    defaultImageSize:
      typeof schemaDefault === "string" && sizeEnum.includes(schemaDefault)
        ? schemaDefault
        : FAL_DEFAULT_SIZE,
    customSize: customSizeOf(sizeField, props, rules),
    maxInputImages: imageField.list
      ? (urls?.maxItems ?? rules?.maxInputImages ?? Number.POSITIVE_INFINITY)
      : 1,
    numImages: range(props.num_images && unwrap(props.num_images), { min: 1, max: 1 }),
    maxImages: range(props.max_images && unwrap(props.max_images), { min: 1, max: 1 }),
    maxTotalImages: rules?.maxTotalImages,
    inputs,
    returnsSeed: rules?.returnsSeed ?? facts.schema.outputHasSeed ?? false,
    pricePerImageUsd: rules?.pricePerImageUsd,
  };
}
