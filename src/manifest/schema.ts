import { z } from "zod";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const nameMessage = "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'";

/** A size variant: an `image_size` enum name, `WIDTHxHEIGHT`, or `{ width, height }`. */
export const sizeValueSchema = z.union([
  z.string().min(1),
  z.strictObject({ width: z.int().positive(), height: z.int().positive() }),
]);

/**
 * The pipeline manifest, declared once. Names are used in file names and job ids, so they
 * are restricted to characters that are safe there.
 */
export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(NAME, nameMessage),
  model: z.string().min(1),
  defaults: z.record(z.string(), z.unknown()).optional(),
  images: z.record(
    z.string().regex(NAME, nameMessage),
    z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  ),
  prompts: z.record(z.string().regex(NAME, nameMessage), z.string().trim().min(1)),
  sizes: z.record(z.string().regex(NAME, nameMessage), sizeValueSchema).optional(),
  concurrency: z.int().min(1).max(200).optional(),
});

export type RawManifest = z.infer<typeof manifestSchema>;
