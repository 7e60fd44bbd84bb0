import { access } from "node:fs/promises";
import { join } from "node:path";
import { type Clock, systemClock } from "../clock.js";
import { PipelineError } from "../errors.js";
import { lockRenderShard, runHolds } from "../journal/lock.js";
import { RenderLog } from "../journal/render-log.js";
import { type Logger, silentLogger } from "../log/logger.js";
import type { PendingRender } from "../model/kept-image.js";
import { readFolderStates } from "./folder-states.js";
import { renderPending } from "./render-image.js";
import { RenderPool } from "./render-pool.js";
import { type ReportRendersResult, reportRenders } from "./report-renders.js";
import { ownsKey, type Shard, shardName, WHOLE } from "./shard.js";

/** Options of `renderFolder`. */
export interface RenderFolderOptions {
  /** A pipeline's output folder (`<output root>/<name>`). */
  readonly folder: string;
  /** Which share of the folder's job keys this process renders. @default the whole folder */
  readonly shard?: Shard;
  /** Images rendered at once. @default one per core */
  readonly parallel?: number;
  /** While a run delivers into the folder, how often to look for newly kept images (ms). @default 2000 */
  readonly pollMs?: number;
  /** Stops looking for more and ends after the images being rendered (SIGTERM). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * Once report.json says what is rendered, and before another process may write it again: for
   * what is made from the report (the CLI's gallery and contact sheet).
   */
  readonly onReport?: (report: ReportRendersResult) => Promise<void>;
}

/** What `renderFolder` did. */
export interface RenderFolderResult {
  readonly shard: Shard;
  /** Images this process rendered. */
  readonly rendered: number;
  /** Images that could not be rendered (each logged with its cause); they stay kept. */
  readonly failed: number;
  /** Kept images of other shards, not rendered yet, at the last look. */
  readonly otherShards: number;
  /** What report.json says now; undefined when there is none, or it had nothing waiting to render. */
  readonly report: ReportRendersResult | undefined;
}

interface Look {
  /** This shard's images kept and not rendered yet, with their job key and request. */
  readonly mine: Array<{ key: string; request: string; pending: PendingRender }>;
  readonly others: number;
  /** The last run's `run` line said it renders itself. */
  readonly runRenders: boolean;
}

/** What waits: this shard's images kept and not rendered, and how many are other shards'. */
async function look(folder: string, shard: Shard, skip: ReadonlySet<string>): Promise<Look> {
  const { states, runRenders } = await readFolderStates(folder);
  const mine: Look["mine"] = [];
  let others = 0;
  for (const s of states.values()) {
    if (!s.kept || s.request === undefined) continue;
    if (!ownsKey(shard, s.key)) {
      others += s.kept.size;
      continue;
    }
    for (const pending of s.kept.values())
      if (!skip.has(`${s.key}/${pending.n}/${pending.recipe.settings}`))
        mine.push({ key: s.key, request: s.request, pending });
  }
  return { mine, others, runRenders };
}

/**
 * `seedream-pipeline render`: renders the images an output folder holds kept and not rendered
 * (a run with `--no-render`, or one killed or stopped before its rendering was done), from the
 * originals under `.state/originals/`, with no call to fal. With `shard` i/n it takes only the
 * job keys whose hash falls to it, so n processes (on one machine or several sharing the
 * folder) split the work with no image rendered twice; each says what it rendered in its own
 * log under `.state/renders/`. While a run holds the folder it goes on looking for newly kept
 * images until the run ends; a run that renders itself is left to do so (this waits for it).
 */
export async function renderFolder(options: RenderFolderOptions): Promise<RenderFolderResult> {
  const { folder } = options;
  const shard = options.shard ?? WHOLE;
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 2000;
  const exists = await access(join(folder, ".state", "journal.jsonl")).then(
    () => true,
    () => false,
  );
  if (!exists)
    throw new PipelineError("USAGE", `${folder} is not a pipeline's output folder (no .state/journal.jsonl)`);
  const release = await lockRenderShard(folder, shardName(shard), (error) =>
    logger.error({ cause: error.message }, "the render shard's lock was lost"),
  );
  const log = await RenderLog.open(folder, shardName(shard));
  const pool = new RenderPool({ ...(options.parallel === undefined ? {} : { parallel: options.parallel }) });
  const failedHere = new Set<string>();
  let rendered = 0;
  let others = 0;
  const stop = () => pool.stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const running = await runHolds(folder);
      const seen = await look(folder, shard, failedHere);
      others = seen.others;
      if (options.signal?.aborted) break;
      if (running && seen.runRenders) {
        logger.info("a run that renders itself holds the folder: waiting for it to end");
        await clock.sleep(pollMs, options.signal);
        continue;
      }
      if (seen.mine.length === 0) {
        if (!running) break;
        await clock.sleep(pollMs, options.signal);
        continue;
      }
      logger.info({ shard: shardName(shard), images: seen.mine.length }, "rendering kept images");
      for (const { key, request, pending } of seen.mine)
        await pool.add(async () => {
          try {
            const record = await renderPending(folder, pending);
            await log.append(key, request, record);
            rendered += 1;
            logger.info({ job: pending.recipe.job, n: pending.n, path: record.path }, "rendered");
          } catch (error) {
            failedHere.add(`${key}/${pending.n}/${pending.recipe.settings}`);
            logger.error(
              { job: pending.recipe.job, n: pending.n, cause: (error as Error).message },
              "could not render an image: it stays kept",
            );
          }
        });
      await pool.idle();
    }
  } finally {
    options.signal?.removeEventListener("abort", stop);
    log.close();
    await release();
  }
  // Every shard brings the report up to date with what every process rendered: the last to end
  // leaves it whole.
  const report = await reportRenders(folder, logger, options.onReport);
  return { shard, rendered, failed: failedHere.size, otherShards: others, report };
}
