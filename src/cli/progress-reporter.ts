import { createLogUpdate } from "log-update";
import type { Logger } from "../log/logger.js";
import { type ProgressSnapshot, progressLine } from "../run/progress.js";

export interface ProgressReporter {
  readonly onProgress: (p: ProgressSnapshot) => void;
  /** Leaves the last line on screen (a terminal). */
  stop(): void;
}

/**
 * On a terminal: one live line (done / running / queued at fal / failed, images per minute,
 * ETA, spend). Not on a terminal (cron): a JSON `progress` line every `everyMs` and a
 * `milestone` line at each quarter, no escape codes.
 */
export function progressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  logger: Logger,
  options: { readonly quiet: boolean; readonly everyMs: number; readonly now: () => number },
): ProgressReporter {
  if (options.quiet) return { onProgress: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const update = createLogUpdate(stream as NodeJS.WriteStream);
    let last = "";
    return {
      onProgress: (p) => {
        const line = progressLine(p);
        if (line !== last) update(line);
        last = line;
      },
      stop: () => update.done(),
    };
  }
  let lastAt = options.now();
  let quarter = 0;
  return {
    onProgress: (p) => {
      const fields = {
        done: p.done,
        total: p.total,
        running: p.running,
        queued: p.queued,
        failed: p.failed,
        skipped: p.skipped,
        imagesPerMinute: Math.round(p.imagesPerMinute * 10) / 10,
        etaS: p.etaS === undefined ? null : Math.round(p.etaS),
        spentUsd: p.spentUsd,
      };
      const reached = p.total === 0 ? 4 : Math.floor((4 * p.done) / p.total);
      if (reached > quarter) {
        quarter = reached;
        logger.info(fields, `milestone: ${quarter * 25}% of jobs done`);
      }
      const now = options.now();
      if (now - lastAt >= options.everyMs && p.done < p.total) {
        lastAt = now;
        logger.info(fields, "progress");
      }
    },
    stop: () => undefined,
  };
}
