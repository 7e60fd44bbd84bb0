import type { Delivery } from "../outputs/deliver-image.js";
import { builtinVariables, type Job, renderOutputPath } from "../plan/index.js";

/** The sidecar a catalog system ingests: who made the image, from what, and when. */
function sidecarOf(
  job: Job,
  requestId: string,
  seed: number | undefined,
  createdAt: number,
): Record<string, unknown> {
  return {
    job: job.id,
    key: job.key,
    row: job.row,
    prompt: job.input.prompt,
    prompt_name: job.promptName,
    model: job.endpoint.model,
    endpoint: job.endpoint.id,
    seed: seed ?? job.input.seed ?? null,
    request_id: requestId,
    input_images: job.images.map((r) =>
      r.kind === "file"
        ? { file: r.source, sha256: r.sha256 }
        : { url: r.url.startsWith("data:") ? "data:…" : r.url },
    ),
    size: { name: job.sizeName, image_size: job.sizeValue },
    created_at: new Date(createdAt).toISOString(),
  };
}

/** How image `n` of a job becomes files (paths from the manifest's templates). */
export function deliveryFor(
  job: Job,
  n: number,
  requestId: string,
  seed: number | undefined,
  createdAt: number,
): Delivery {
  const builtins = builtinVariables(job);
  const path = (field: Job["outputPath"], extra: Record<string, string>) => (ext: string) => {
    const p = renderOutputPath(field, job.row, (name) => extra[name] ?? builtins(name), n, ext);
    if (typeof p !== "string") throw new Error(`output path needs {{${p.missing}}}`);
    return p;
  };
  return {
    n,
    main: job.output.main,
    pathFor: path(job.outputPath, {}),
    derivatives: job.output.derivatives.map((d) => ({
      name: d.name,
      spec: d.spec,
      pathFor: path(job.output.derivativePath, { derivative: d.name }),
    })),
    sidecar: job.output.sidecar ? sidecarOf(job, requestId, seed, createdAt) : undefined,
  };
}
