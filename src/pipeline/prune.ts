import { join } from "node:path";
import { PipelineError } from "../errors.js";
import { lockOutput } from "../journal/lock.js";
import { replayJournalFile } from "../journal/replay-journal.js";
import { checkStateFolder } from "../journal/state-folder.js";
import { readReportJobs, stampOf } from "../outputs/index.js";
import { findOrphans, type Orphan, removeFiles, unreferencedOriginals } from "./orphans.js";

/** What `prune` found (and, with `remove`, removed). */
export interface PruneResult {
  readonly orphans: readonly Orphan[];
  /** Absolute paths of fal originals no current job was made from. */
  readonly originals: readonly string[];
  readonly removed: boolean;
  /** Bytes the files take (freed, when removed). */
  readonly bytes: number;
}

/**
 * Finds, in a pipeline's output folder, the outputs of jobs no longer in its manifest (the jobs
 * of its latest `report.json` are the current ones) and fal originals no current job uses; with
 * `remove`, deletes them. Holds the folder's run lock meanwhile, so it never races a run.
 */
export async function prunePipeline(outputDir: string, remove: boolean): Promise<PruneResult> {
  await checkStateFolder(outputDir);
  const release = await lockOutput(outputDir, () => {});
  try {
    const currentKeys = new Set<string>();
    let jobs = 0;
    for await (const job of readReportJobs(join(outputDir, "report.json"))) {
      currentKeys.add(job.key);
      jobs += 1;
    }
    if (jobs === 0)
      throw new PipelineError("USAGE", `${outputDir}: no report.json with jobs; run the pipeline first`);
    const states = await replayJournalFile(outputDir);
    const orphans = await findOrphans(outputDir, states, currentKeys);
    const originals = await unreferencedOriginals(outputDir, states, currentKeys);
    const files = [...orphans.flatMap((o) => o.paths), ...originals];
    const bytes = remove ? await removeFiles(outputDir, files) : await sizeOf(outputDir, files);
    return { orphans, originals, removed: remove, bytes };
  } finally {
    await release();
  }
}

/** The bytes the files take. */
async function sizeOf(outputDir: string, paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const p of paths) total += (await stampOf(p.startsWith("/") ? p : join(outputDir, p)))?.size ?? 0;
  return total;
}
