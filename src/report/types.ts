/** One written image in the report. */
export interface ReportOutput {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly content_type: string;
  readonly source_url: string;
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
  readonly status: "succeeded" | "failed" | "not_run";
  readonly outputs: readonly ReportOutput[];
  readonly seed?: number;
  readonly timings: ReportTimings;
  readonly error?: {
    readonly stage: string;
    readonly kind: string;
    readonly message: string;
    readonly status?: number;
    readonly detail?: unknown;
  };
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
    readonly concurrency: number;
  };
  readonly totals: {
    readonly jobs: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly not_run: number;
    readonly images: number;
    readonly bytes: number;
    readonly estimated_cost_usd: { readonly min: number; readonly max: number };
    /** Images generated × price per image. */
    readonly cost_usd: number;
  };
  readonly jobs: readonly ReportJob[];
}
