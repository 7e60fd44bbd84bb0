import type { JobOutcome } from "../model/job-outcome.js";

/** What a progress display shows. */
export interface ProgressSnapshot {
  readonly total: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly running: number;
  /** Ours waiting in fal's queue. */
  readonly queued: number;
  /** Images fal delivered (kept: downloaded, checked, their originals on disk). */
  readonly images: number;
  /** Images rendered (their outputs written) in this run. */
  readonly rendered: number;
  /** Images kept and waiting to be rendered, or being rendered. */
  readonly toRender: number;
  readonly imagesPerMinute: number;
  /** Seconds left at the current pace, when it can be told. */
  readonly etaS: number | undefined;
  readonly spentUsd: number;
  readonly elapsedS: number;
}

/** Counts jobs as they end; pure apart from the times it is given. */
export class Progress {
  #done = 0;
  #succeeded = 0;
  #failed = 0;
  #skipped = 0;
  #images = 0;
  #rendered = 0;
  #toRender = 0;
  #spent = 0;
  #worked = 0;

  constructor(
    readonly total: number,
    readonly startedAt: number,
  ) {}

  /**
   * Counts a job that ended. Only succeeded, failed and up-to-date jobs are done: a job
   * canceled or not run (an interrupt, the deadline, the budget) is left for the next run, so
   * an interrupted run never reports 100 %.
   */
  ended(outcome: JobOutcome, pricePerImageUsd: number): void {
    if (outcome.status === "canceled" || outcome.status === "not_run" || outcome.status === "unfinished")
      return;
    this.#done += 1;
    if (outcome.status === "succeeded" || outcome.status === "skipped")
      this.#toRender += outcome.unrendered?.length ?? 0;
    if (outcome.status === "succeeded") {
      const images = outcome.outputs.length + (outcome.unrendered?.length ?? 0);
      this.#succeeded += 1;
      this.#images += images;
      this.#spent += images * pricePerImageUsd;
      this.#worked += 1;
    } else if (outcome.status === "skipped") this.#skipped += 1;
    else if (outcome.status === "failed") {
      this.#failed += 1;
      this.#worked += 1;
    }
  }

  /** Counts images rendered (`ok`) or that could not be (left kept for the next run or `render`). */
  renderEnded(ok: boolean): void {
    this.#toRender -= 1;
    if (ok) this.#rendered += 1;
  }

  snapshot(now: number, running: number, queued: number): ProgressSnapshot {
    const elapsedS = Math.max(0.001, (now - this.startedAt) / 1000);
    const perS = this.#worked / elapsedS;
    const left = this.total - this.#done;
    return {
      total: this.total,
      done: this.#done,
      succeeded: this.#succeeded,
      failed: this.#failed,
      skipped: this.#skipped,
      running,
      queued,
      images: this.#images,
      rendered: this.#rendered,
      toRender: this.#toRender,
      imagesPerMinute: (this.#images / elapsedS) * 60,
      etaS: perS > 0 && left > 0 ? left / perS : left === 0 ? 0 : undefined,
      spentUsd: Math.round(this.#spent * 10_000) / 10_000,
      elapsedS,
    };
  }
}

const duration = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s`
      : `${Math.round(s)}s`;

/** One line for a terminal. */
export function progressLine(p: ProgressSnapshot): string {
  const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
  return (
    `${pct}% ${p.done}/${p.total} done · ${p.running} running · ${p.queued} queued at fal · ${p.failed} failed` +
    `${p.skipped ? ` · ${p.skipped} up to date` : ""} · ${p.imagesPerMinute.toFixed(1)} img/min` +
    ` · ETA ${p.etaS === undefined ? "—" : duration(p.etaS)} · $${p.spentUsd.toFixed(2)}` +
    (p.rendered > 0 || p.toRender > 0 ? ` · ${p.rendered} rendered, ${p.toRender} to render` : "")
  );
}
