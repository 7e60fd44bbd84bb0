import { z } from "zod";
import { ENDPOINTS } from "../endpoints/index.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const nameMessage = "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'";
const name = () => z.string().regex(NAME, nameMessage);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A size: an `image_size` enum name, `WIDTHxHEIGHT`, or `{ width, height }`. */
export const sizeValueSchema = z.union([
  z.string().min(1),
  z.strictObject({ width: z.int().positive(), height: z.int().positive() }),
]);

const formatSchema = z.enum(["original", "png", "jpeg", "webp", "avif"]);
const fitSchema = z.enum(["cover", "contain", "inside", "fill"]);

/** An exact output size: `fit` cover crops, contain pads with `background`, inside keeps all within. */
const resizeSchema = z.strictObject({
  width: z.int().positive(),
  height: z.int().positive().optional(),
  fit: fitSchema.optional(),
  background: z.string().optional(),
  upscale: z.boolean().optional().describe("Allow enlarging (default: never upscale)"),
});

const derivativeSchema = z.strictObject({
  width: z.int().positive(),
  height: z.int().positive().optional(),
  format: formatSchema.exclude(["original"]).optional(),
  quality: z.int().min(1).max(100).optional(),
  fit: fitSchema.optional(),
  background: z.string().optional(),
});

/** A CSV rows file with its options. */
export const rowsFileSchema = z.strictObject({
  file: z.string().min(1).describe("The CSV file, relative to this file"),
  delimiter: z
    .enum([",", ";", "\t", "|"])
    .optional()
    .describe("The field separator; default: found from the header line (comma, semicolon, tab or |)"),
  base: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The folder image paths from the CSV resolve against, relative to this file; default: the CSV's own folder",
    ),
});

/** One entry of `jobs`: a job template, expanded per row, size variant and seed. */
export const jobSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Job id template, unique after expansion; `-<size>` and `-seed<n>` are added unless it names {{size}} / {{seed}}",
      ),
    model: z
      .string()
      .min(1)
      .optional()
      .describe("Model for this job: seedream-v4.5, seedream-v5-lite or a full fal endpoint id"),
    prompt: z.string().min(1).optional().describe("Name of a prompt in `prompts`"),
    prompt_text: z.string().min(1).optional().describe("An inline prompt template, instead of `prompt`"),
    images: z
      .array(z.string().min(1))
      .optional()
      .describe("Image set names and/or paths, URLs, data: URIs (templated), in figure order"),
    sizes: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("Size variant names (or enum values / WIDTHxHEIGHT); one job per size"),
    seeds: z.array(z.int().min(0)).min(1).optional().describe("One job per seed"),
    when: z
      .record(z.string(), z.union([scalar, z.array(scalar).min(1)]))
      .optional()
      .describe("Row filter: column → value or list of values"),
    input: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Endpoint inputs for this job, over `defaults`"),
  })
  .describe("A job template");

/**
 * The pipeline manifest, declared once: validated here, exported as JSON Schema for
 * editors (`schema/manifest.schema.json`).
 */
export const manifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: name().describe("Names the output folder and the report"),
    model: z.string().min(1).describe("seedream-v4.5 | seedream-v5-lite | a full fal endpoint id"),
    defaults: z.record(z.string(), z.unknown()).optional().describe("Endpoint inputs for every job"),
    images: z
      .record(name(), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]))
      .optional()
      .describe("Named image sets: local paths (relative to this file), http(s) URLs, data: URIs"),
    prompts: z
      .record(name(), z.string().trim().min(1))
      .optional()
      .describe("Named prompt templates; {{column}} comes from the row"),
    sizes: z
      .record(name(), sizeValueSchema)
      .optional()
      .describe("Named size variants: an enum value, WIDTHxHEIGHT or {width, height}"),
    rows: z
      .union([z.string().min(1), rowsFileSchema, z.array(z.record(z.string(), scalar))])
      .optional()
      .describe(
        "A CSV file (relative to this file; or { file, delimiter, base }) or an inline list of objects; each row is a set of variables",
      ),
    on_invalid_row: z
      .enum(["fail", "skip"])
      .optional()
      .describe(
        "A row with a bad value (a missing image, an empty cell a template needs): fail (default) stops before anything is sent; skip leaves the row out, reports it, and runs the rest",
      ),
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"))
      .optional()
      .describe(
        "Environment variables the templates may read as {{env.NAME}} (besides SEEDREAM_VAR_*); never a credential",
      ),
    jobs: z
      .array(jobSchema)
      .min(1)
      .optional()
      .describe("Job templates; without it, every prompt × every size with every image set"),
    output: z
      .strictObject({
        path: z
          .string()
          .min(1)
          .optional()
          .describe("Where each image goes under the output folder, e.g. {{sku}}/{{job}}-{{n}}.{{ext}}"),
        format: formatSchema
          .optional()
          .describe("original (as fal made it), png, jpeg (mozjpeg), webp or avif"),
        quality: z.int().min(1).max(100).optional().describe("Encoder quality for jpeg, webp, avif"),
        resize: z
          .record(name(), resizeSchema)
          .optional()
          .describe(
            "Exact pixels per size variant (by name), e.g. square: { width: 2000, height: 2000, fit: cover }",
          ),
        derivatives: z
          .record(name(), z.union([z.string().min(1), derivativeSchema]))
          .optional()
          .describe('Extra files per image, e.g. thumb: "512 webp", og: "1200x630 jpeg"'),
        derivative_path: z
          .string()
          .min(1)
          .optional()
          .describe(
            "Where derivatives go; default: the image's path with .{{derivative}} before the extension",
          ),
        metadata: z.enum(["strip", "keep"]).optional().describe("Strip EXIF/XMP (default) or keep it"),
        sidecar: z.boolean().optional().describe("Write a JSON sidecar beside each image (default true)"),
      })
      .optional(),
    prices: z
      .record(z.string(), z.number().nonnegative())
      .optional()
      .describe("USD per image by model, over the built-in price table"),
    concurrency: z
      .union([z.literal("auto"), z.int().min(1).max(200)])
      .optional()
      .describe("Requests in flight: auto or a number"),
    max_cost_usd: z
      .number()
      .positive()
      .optional()
      .describe("Stop submitting before the spend would pass this"),
  })
  .describe("A seedream-pipeline manifest");

export type RawManifest = z.infer<typeof manifestSchema>;
export type RawJob = z.infer<typeof jobSchema>;

/** JSON Schema of the endpoint inputs a manifest may set, from the endpoint definitions. */
function inputsJsonSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const endpoint of ENDPOINTS)
    for (const [key, kind] of Object.entries(endpoint.inputs)) {
      if (key === "prompt" || key === "image_urls" || key in properties) continue;
      properties[key] =
        kind.type === "integer"
          ? { type: "integer" }
          : kind.type === "boolean"
            ? { type: "boolean" }
            : kind.type === "enum"
              ? { enum: kind.values }
              : kind.type === "image_size"
                ? {
                    anyOf: [{ enum: [...new Set(ENDPOINTS.flatMap((e) => e.sizeEnum))] }, { type: "object" }],
                  }
                : { type: "string" };
    }
  // Any other fal image-edit endpoint may be named by its id, with the inputs its schema has.
  return { type: "object", properties };
}

/**
 * The manifest schema as JSON Schema (draft 2020-12), for editors and the docs: the zod
 * schema, with the models and endpoint inputs filled in from the endpoint definitions.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(manifestSchema, { io: "input" }) as {
    properties: Record<string, Record<string, unknown>>;
  };
  const models = {
    anyOf: [
      { enum: ENDPOINTS.flatMap((e) => [e.model, e.id, ...e.aliases]) },
      { type: "string", pattern: "^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+$", description: "any fal endpoint id" },
    ],
  };
  const props = schema.properties;
  props.model = { ...props.model, ...models };
  props.defaults = { ...props.defaults, ...inputsJsonSchema() };
  const jobs = props.jobs as { items: { properties: Record<string, Record<string, unknown>> } };
  jobs.items.properties.model = { ...jobs.items.properties.model, ...models };
  jobs.items.properties.input = { ...jobs.items.properties.input, ...inputsJsonSchema() };
  return {
    ...schema,
    $id: "https://seedream-pipeline.dev/schema/manifest.schema.json",
    title: "seedream-pipeline manifest",
  };
}
