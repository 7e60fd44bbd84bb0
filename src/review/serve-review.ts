import { resolve } from "node:path";
import { checkStateFolder } from "../journal/state-folder.js";
import { DecisionStore } from "./decision-store.js";
import { type LoadReviewInputs, noReviewInputs } from "./review-inputs.js";
import { type ReviewServer, startReviewServer } from "./review-server.js";
import { ReviewState } from "./review-state.js";

/** Options of `serveReview`. */
export interface ServeReviewOptions {
  /** The pipeline's output folder (with its `report.json`). */
  readonly outputDir: string;
  /** @default 0: a free port */
  readonly port?: number;
  /** Finds the jobs' input images from the report's manifest. @default none shown */
  readonly loadInputs?: LoadReviewInputs;
}

/**
 * Serves the review app of an output folder on 127.0.0.1 until `close` is called; closing
 * compacts the decisions journal when it has grown well past one line per image.
 */
export async function serveReview(
  options: ServeReviewOptions,
): Promise<ReviewServer & { readonly warnings: readonly string[] }> {
  const outputDir = resolve(options.outputDir);
  await checkStateFolder(outputDir);
  const store = await DecisionStore.open(outputDir);
  const state = await ReviewState.open(outputDir, store, options.loadInputs ?? noReviewInputs);
  const server = await startReviewServer(state, store, options.port ?? 0);
  return {
    ...server,
    warnings: state.warnings,
    close: async () => {
      await server.close();
      await store.compact();
    },
  };
}
