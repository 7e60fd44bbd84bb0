/** One written image in the report. */
export interface ReportOutput {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly content_type: string;
  readonly source_url: string;
  /** Extra files made from the image (thumbnails, social formats). */
  readonly derivatives?: ReadonlyArray<{
    readonly name: string;
    readonly path: string;
    readonly width: number;
    readonly height: number;
    readonly bytes: number;
    readonly sha256: string;
    readonly content_type: string;
  }>;
  /** Where the image stands in review (`seedream-pipeline review`). */
  readonly review?: ReportImageReview;
}

/** One image's review: its decision, or why an earlier one no longer holds. */
export interface ReportImageReview {
  readonly state: "approved" | "rejected" | "pending";
  readonly note?: string;
  /** When it was decided (ISO). */
  readonly at?: string;
  /** Why an earlier decision lapsed: `inputs changed`, `image changed`, `regenerated`. */
  readonly lapsed?: string;
  /** The seed of the request that made this image again after a rejection. */
  readonly regenerated_seed?: number;
}

/** The report's review counts over every image it lists. */
export interface ReportReview {
  readonly approved: number;
  readonly rejected: number;
  readonly pending: number;
  /** Approvals that no longer hold (the row, prompt or inputs changed, or the image did). */
  readonly lapsed: ReadonlyArray<{ readonly job: string; readonly n: number; readonly reason: string }>;
  /** Rejected images this run made again, with their new seed. */
  readonly regenerated: ReadonlyArray<{ readonly job: string; readonly n: number; readonly seed: number }>;
}

export interface ReportTimings {
  readonly submitted_at?: string;
  readonly started_at?: string;
  readonly completed_at?: string;
  readonly finished_at?: string;
  /** Time waiting IN_QUEUE at fal. */
  readonly queue_ms?: number;
  /** Time IN_PROGRESS at fal. */
  readonly run_ms?: number;
  /** From submit to the last file written. */
  readonly total_ms?: number;
}

export interface ReportJob {
  readonly id: string;
  readonly key: string;
  readonly endpoint: string;
  readonly prompt_name: string;
  readonly size_name: string;
  /** The row the job was made from (1-based) and its variables, when the manifest has rows. */
  readonly row_index?: number;
  readonly row?: Readonly<Record<string, string>>;
  /** The input sent to fal (image URLs as sent; `data:` URIs shortened). */
  readonly input: Readonly<Record<string, unknown>>;
  readonly request_id?: string;
  /**
   * `failed`: for good (a permanent cause), until `--retry-failed`; `unfinished`: its last try
   * failed for a cause that is not permanent, and the next run takes it up by itself.
   */
  readonly status: "succeeded" | "failed" | "unfinished" | "skipped" | "canceled" | "not_run";
  /** Why a job was skipped (e.g. `up to date`). */
  readonly reason?: string;
  /** The images rendered: the gallery, review and publish see these only. */
  readonly outputs: readonly ReportOutput[];
  /** Images paid for and kept, not rendered yet (the next `run` or `render` renders them, at no cost). */
  readonly unrendered?: number;
  readonly seed?: number;
  readonly timings: ReportTimings;
  readonly error?: {
    readonly stage: string;
    readonly kind: string;
    /** retryable (retries ran out), permanent, or fatal (the run stopped). */
    readonly class?: string;
    readonly message: string;
    readonly status?: number;
    readonly error_type?: string;
    readonly detail?: unknown;
  };
  /** Every request sent to fal for this job, and how it ended. */
  readonly attempts?: ReadonlyArray<{
    readonly request_id: string;
    readonly submitted_at: string;
    readonly outcome: string;
    readonly cause?: string;
  }>;
  /** Steps tried again on the same request (status, result, download), with why. */
  readonly retries?: ReadonlyArray<{
    readonly stage: string;
    readonly attempt: number;
    readonly cause: string;
  }>;
  /** The job key's status changes across runs, from the journal. */
  readonly history?: ReadonlyArray<{
    readonly at: string;
    readonly status: string;
    readonly request_id?: string;
  }>;
}

/** Requests in one state, and their estimated cost in USD. */
export interface ReportSpendLine {
  readonly requests: number;
  readonly cost_usd: number;
}

/** Requests fal accepted (or may have), by how they stand; see `Spend`. */
export interface ReportSpend {
  /** Every request fal accepted: completed + failed + pending; cost: completed + pending (at the most). */
  readonly accepted: ReportSpendLine;
  /** Completed with images, which fal bills: images × price. */
  readonly completed: ReportSpendLine & { readonly images: number };
  /** Failed at fal, canceled or lost by fal: not billed as far as the runner can know (0). */
  readonly failed: ReportSpendLine;
  /** Accepted, not completed yet (the next run re-attaches): at the most its job can cost. */
  readonly pending: ReportSpendLine;
  /** Submits whose answer never came back (fal may have accepted them): at the most. */
  readonly in_doubt: ReportSpendLine;
}

/** The price per image a run used for an endpoint, and where it came from. */
export interface ReportPrice {
  readonly endpoint: string;
  readonly unit_price_usd: number;
  /** `fal` (its pricing endpoint, now), `cache` (its answer, under a day old), `manifest` or `built-in`. */
  readonly source: "fal" | "cache" | "manifest" | "built-in";
  readonly fetched_at?: string;
  /** Why fal's price is not used. */
  readonly note?: string;
}

/** `report.json`: what a run did, per job, with totals that add up. */
export interface Report {
  readonly schema_version: 1;
  readonly pipeline: string;
  readonly manifest: string;
  readonly model: string;
  readonly endpoint: string;
  readonly run: {
    readonly id: string;
    readonly started_at: string;
    readonly finished_at: string;
    readonly duration_ms: number;
    /** `fal` for fal itself; otherwise the base URL all fal traffic went to. */
    readonly fal_target: string;
    /** Why the run ended: `completed`, `deadline`, `budget`, `interrupted`, `credentials_rejected`. */
    readonly ended_by: string;
    readonly concurrency: {
      readonly mode: "auto" | "fixed";
      /** The most requests the run allowed in flight at once. */
      readonly peak: number;
      /** The account capacity learnt (auto). */
      readonly capacity_estimate: number;
    };
    /** HTTP calls to fal by kind, and how many were answered 429. */
    readonly http_calls: Readonly<Record<string, number>>;
    readonly rate_limited: number;
    /** The price per image of each endpoint, and its source (absent in reports before prices were asked of fal). */
    readonly prices?: readonly ReportPrice[];
  };
  readonly totals: {
    readonly jobs: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly skipped: number;
    readonly canceled: number;
    /** Jobs the next run takes up by itself (their last try failed for a cause that is not permanent). */
    readonly unfinished: number;
    readonly not_run: number;
    /** Images rendered (listed in the jobs' `outputs`). */
    readonly images: number;
    readonly bytes: number;
    /** Images paid for and kept, not rendered yet; absent when none. */
    readonly unrendered_images?: number;
    readonly estimated_cost_usd: { readonly min: number; readonly max: number };
    /**
     * The estimated spend of this run: images of the requests it sent that completed × price
     * (skipped jobs cost nothing; requests an earlier run sent count in `spend.all_runs`).
     */
    readonly cost_usd: number;
    /** Requests fal accepted: those this run sent, and those of every run of the output folder. */
    readonly spend?: { readonly run: ReportSpend; readonly all_runs: ReportSpend };
  };
  /** Approved / rejected / pending review (absent in reports of runs before review existed). */
  readonly review?: ReportReview;
  /** Outputs of jobs no longer in the manifest (`seedream-pipeline prune` removes them). */
  readonly orphans?: ReadonlyArray<{
    readonly job: string;
    readonly key: string;
    readonly paths: readonly string[];
  }>;
  readonly jobs: readonly ReportJob[];
}

/**
 * A report whose jobs are made as they are read: a run's (100,000 jobs are never all held at
 * once: each pass over `jobs` makes them anew from what the run holds). A `Report` read from
 * disk is one too.
 */
export type StreamedReport = Omit<Report, "jobs"> & { readonly jobs: Iterable<ReportJob> };

/** An iterable that calls `make` each time it is iterated (a generator function is iterable once). */
export function reiterable<T>(make: () => Iterable<T>): Iterable<T> {
  return { [Symbol.iterator]: () => make()[Symbol.iterator]() };
}
