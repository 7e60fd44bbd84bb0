import { describeFalError, type EditClient } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import { type SavedImage, saveResultImage } from "../outputs/index.js";
import { builtinVariables, falInput, type Job, renderOutputPath } from "../plan/index.js";
import type { JobError, JobOutcome } from "./job-outcome.js";
import type { UploadResults } from "./upload-inputs.js";

/** What running one job needs from the run around it. */
export interface JobContext {
  readonly client: EditClient;
  readonly uploads: UploadResults;
  readonly outputDir: string;
  readonly logger: Logger;
  readonly now: () => number;
  readonly downloadFetch?: typeof fetch;
  /** Told when fal rejects the credentials, so the run stops submitting. */
  readonly onAuthFailure: (message: string) => void;
}

interface ResultImage {
  readonly url: string;
}

function resultImages(data: unknown): ResultImage[] {
  const images = (data as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) throw new Error("fal's result has no `images` list");
  return images.map((img, i) => {
    const url = (img as { url?: unknown } | null)?.url;
    if (typeof url !== "string") throw new Error(`fal's result image ${i} has no url`);
    return { url };
  });
}

/** Runs one job through fal's queue: submit, follow status, fetch the result, save the images. */
export async function runJob(job: Job, ctx: JobContext): Promise<JobOutcome> {
  const log = ctx.logger.child({ job: job.id });
  const imageUrls: string[] = [];
  for (const ref of job.images) {
    if (ref.kind === "url") {
      imageUrls.push(ref.url);
      continue;
    }
    const uploaded = ctx.uploads.get(ref.sha256);
    if (!uploaded || "failure" in uploaded)
      return {
        status: "failed",
        imageUrls,
        error: {
          stage: "upload",
          ...(uploaded?.failure ?? { kind: "network", message: "not uploaded" }),
          message: `upload of ${ref.source} failed: ${uploaded?.failure.message ?? "not uploaded"}`,
        },
        timings: { finishedAt: ctx.now() },
      };
    imageUrls.push(uploaded.url);
  }
  const input = falInput(job, imageUrls);
  const endpointId = job.endpoint.id;
  const timings: { submittedAt?: number; startedAt?: number; completedAt?: number } = {};
  const fail = (error: JobError, requestId?: string): JobOutcome => {
    log.warn({ requestId, stage: error.stage, error: error.message }, "job failed");
    return {
      status: "failed",
      ...(requestId === undefined ? {} : { requestId }),
      imageUrls,
      error,
      timings: { ...timings, finishedAt: ctx.now() },
    };
  };

  let requestId: string;
  try {
    requestId = await ctx.client.submit(endpointId, input);
    timings.submittedAt = ctx.now();
  } catch (error) {
    const failure = describeFalError(error);
    if (failure.kind === "auth") ctx.onAuthFailure(failure.message);
    return fail({ stage: "submit", ...failure });
  }
  const rlog = log.child({ requestId });
  rlog.info("submitted");
  try {
    const final = await ctx.client.waitForCompletion(endpointId, requestId, (s) => {
      if (s.status === "IN_PROGRESS" && timings.startedAt === undefined) timings.startedAt = ctx.now();
    });
    timings.completedAt = ctx.now();
    timings.startedAt ??= timings.completedAt;
    rlog.debug(
      { inferenceTimeS: final.status === "COMPLETED" ? final.inferenceTimeS : undefined },
      "completed at fal",
    );
  } catch (error) {
    return fail({ stage: "status", ...describeFalError(error) }, requestId);
  }
  let data: unknown;
  try {
    data = (await ctx.client.result(endpointId, requestId)).data;
  } catch (error) {
    return fail({ stage: "result", ...describeFalError(error) }, requestId);
  }
  const outputs: SavedImage[] = [];
  try {
    const images = resultImages(data);
    for (const [i, image] of images.entries()) {
      const options = ctx.downloadFetch ? { fetch: ctx.downloadFetch } : {};
      const pathFor = (ext: string) => {
        const path = renderOutputPath(job.outputPath, job.row, builtinVariables(job), i + 1, ext);
        if (typeof path !== "string") throw new Error(`output path needs {{${path.missing}}}`);
        return path;
      };
      outputs.push(await saveResultImage(image.url, ctx.outputDir, pathFor, options));
    }
  } catch (error) {
    return fail({ stage: "download", kind: "output", message: (error as Error).message }, requestId);
  }
  const seed = (data as { seed?: unknown }).seed;
  rlog.info({ images: outputs.length }, "job succeeded");
  return {
    status: "succeeded",
    requestId,
    imageUrls,
    outputs,
    ...(typeof seed === "number" ? { seed } : {}),
    timings: { ...timings, finishedAt: ctx.now() },
  };
}
