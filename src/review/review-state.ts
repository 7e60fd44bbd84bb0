import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Report } from "../report/index.js";
import type { DecisionStore } from "./decision-store.js";
import { readReportFile } from "./read-report-file.js";
import type { LoadReviewInputs, ReviewInputs } from "./review-inputs.js";
import { type ReviewItem, reviewItems } from "./review-items.js";
import { indexDecisions } from "./review-status.js";

/**
 * What the review app serves, kept current: the last report (read again when a run has
 * replaced it), the inputs of its jobs, and the decisions store. Files are served only by
 * content hash from the map built here, so no request can name a path.
 */
export class ReviewState {
  #report: Report;
  #mtime: number;
  #inputs: ReviewInputs;
  #files = new Map<string, string>();

  private constructor(
    readonly outputDir: string,
    readonly store: DecisionStore,
    report: Report,
    mtime: number,
    inputs: ReviewInputs,
    readonly loadInputs: LoadReviewInputs,
  ) {
    this.#report = report;
    this.#mtime = mtime;
    this.#inputs = inputs;
    this.#indexFiles();
  }

  static async open(
    outputDir: string,
    store: DecisionStore,
    loadInputs: LoadReviewInputs,
  ): Promise<ReviewState> {
    const report = await readReportFile(outputDir);
    const { mtimeMs } = await stat(join(outputDir, "report.json"));
    return new ReviewState(outputDir, store, report, mtimeMs, await loadInputs(report.manifest), loadInputs);
  }

  get report(): Report {
    return this.#report;
  }

  get warnings(): string[] {
    return this.#inputs.warning ? [this.#inputs.warning] : [];
  }

  /** Reads the report again if a run replaced it since. */
  async refresh(): Promise<void> {
    const { mtimeMs } = await stat(join(this.outputDir, "report.json"));
    if (mtimeMs === this.#mtime) return;
    this.#report = await readReportFile(this.outputDir);
    this.#mtime = mtimeMs;
    this.#inputs = await this.loadInputs(this.#report.manifest);
    this.#indexFiles();
  }

  /** Every tile, with the decisions as they stand now. */
  items(): ReviewItem[] {
    return reviewItems(
      this.#report,
      indexDecisions(this.store.all()),
      (key) => this.#inputs.byKey.get(key) ?? [],
    );
  }

  /** The absolute path of an output or input image by its sha256, if it is one. */
  file(sha256: string): string | undefined {
    return this.#files.get(sha256);
  }

  #indexFiles(): void {
    this.#files = new Map(this.#inputs.files);
    for (const job of this.#report.jobs)
      for (const o of job.outputs) this.#files.set(o.sha256, join(this.outputDir, o.path));
  }
}
