import { createHash } from "node:crypto";
import { resolvePixelSize } from "../endpoints/index.js";
import type { ImageRef, Manifest } from "../manifest/index.js";
import { canonicalJson } from "./canonical-json.js";
import type { Job, Plan, Upload } from "./types.js";

/** What of an input image decides the output: a file's content, or a URL as written. */
function imageIdentity(ref: ImageRef): { sha256: string } | { url: string } {
  return ref.kind === "file" ? { sha256: ref.sha256 } : { url: ref.url };
}

/** The job key: sha256 over the endpoint, the canonical input and the input images' identities. */
export function jobKey(
  endpointId: string,
  input: Readonly<Record<string, unknown>>,
  images: readonly ImageRef[],
): string {
  const material = canonicalJson({ endpoint: endpointId, input, images: images.map(imageIdentity) });
  return createHash("sha256").update(material).digest("hex");
}

function integer(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isInteger(v) ? v : fallback;
}

/**
 * Expands a manifest into jobs: each prompt × each size variant, with every image set in
 * declaration order. Pure: the same manifest gives the same plan, keys included.
 */
export function planPipeline(manifest: Manifest): Plan {
  const { endpoint } = manifest;
  const images = manifest.images.flatMap((set) => set.refs);
  const first = images[0];
  const firstSize = first?.kind === "file" ? { width: first.width, height: first.height } : undefined;
  const jobs: Job[] = [];
  for (const prompt of manifest.prompts) {
    for (const size of manifest.sizes) {
      const input: Record<string, unknown> = {
        ...manifest.defaults,
        prompt: prompt.text,
        image_size: size.value,
      };
      const generations = integer(input.num_images, 1);
      const perGeneration = integer(input.max_images, 1);
      const autoSize = typeof size.value === "string" && size.value.startsWith("auto_");
      const id = `${prompt.name}-${size.name}`;
      jobs.push({
        id,
        key: jobKey(endpoint.id, input, images),
        endpoint,
        promptName: prompt.name,
        sizeName: size.name,
        input,
        images,
        expectedSize: autoSize && !firstSize ? undefined : resolvePixelSize(endpoint, size.value, firstSize),
        expectedImages: { min: generations, max: generations * perGeneration },
        outputStem: id,
      });
    }
  }
  const uploads = new Map<string, Upload>();
  for (const ref of images)
    if (ref.kind === "file" && !uploads.has(ref.sha256))
      uploads.set(ref.sha256, {
        sha256: ref.sha256,
        path: ref.path,
        contentType: ref.contentType,
        bytes: ref.bytes,
      });
  const price = endpoint.pricePerImageUsd;
  const sum = (f: (j: Job) => number) => jobs.reduce((n, j) => n + f(j), 0);
  return {
    name: manifest.name,
    endpoint,
    jobs,
    uploads: [...uploads.values()],
    estimatedCostUsd: {
      min: roundUsd(sum((j) => j.expectedImages.min) * price),
      max: roundUsd(sum((j) => j.expectedImages.max) * price),
    },
  };
}

function roundUsd(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
