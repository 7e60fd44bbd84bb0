import { resolve } from "node:path";
import type { Plan } from "../plan/index.js";
import type { InputImage, ReviewInputs } from "../review/index.js";
import { loadPlan } from "./load-plan.js";

/** Each job key's input images, and each local input's file by content hash, from planned jobs. */
export function reviewInputsOf(jobs: Plan["jobs"]): ReviewInputs {
  const byKey = new Map<string, InputImage[]>();
  const files = new Map<string, string>();
  for (const job of jobs)
    byKey.set(
      job.key,
      job.images.map((ref) => {
        if (ref.kind === "file") {
          files.set(ref.sha256, ref.path);
          return { sha256: ref.sha256, source: ref.source };
        }
        return { sha256: "", source: ref.url, url: ref.url };
      }),
    );
  return { byKey, files };
}

/**
 * Finds the input images of the report's jobs by planning its manifest again (nothing is sent):
 * a job's key names its inputs' hashes, so a job whose manifest changed since the run simply
 * shows none. A manifest that no longer reads is a warning, not a failure: the results are
 * still reviewable.
 */
export async function loadReviewInputs(manifestPath: string): Promise<ReviewInputs> {
  try {
    const { plan } = await loadPlan(resolve(manifestPath));
    return reviewInputsOf(plan.jobs);
  } catch (error) {
    return {
      byKey: new Map(),
      files: new Map(),
      warning: `input images not shown: ${manifestPath} could not be planned (${(error as Error).message.split("\n")[0]})`,
    };
  }
}
