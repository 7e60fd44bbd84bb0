import type { ReportJob } from "../report/types.js";

// Types only, with no import that does IO: the review app's browser script is checked against them.

/** An input image of a job, as the review app shows it (served by content hash). */
export interface InputImage {
  readonly sha256: string;
  /** As the manifest names it. */
  readonly source: string;
  /** An input given as a URL is shown from there (its sha256 is then empty). */
  readonly url?: string;
}

/** One tile of the review app: one image of a job (or a job without an image, n = 0). */
export interface ReviewItem {
  readonly job: string;
  readonly key: string;
  readonly n: number;
  readonly status: ReportJob["status"];
  readonly model: string;
  readonly size: string;
  readonly prompt: string;
  readonly row: Readonly<Record<string, string>>;
  /** What names the row for a person (its product name), if anything does. */
  readonly title?: string;
  readonly seed?: number;
  readonly requestId?: string;
  readonly priceUsd?: number;
  readonly error?: string;
  readonly image?: {
    readonly path: string;
    readonly sha256: string;
    readonly width: number;
    readonly height: number;
    readonly contentType: string;
  };
  readonly inputs: readonly InputImage[];
  readonly review: "approved" | "rejected" | "pending" | "none";
  readonly note?: string;
  readonly decidedAt?: string;
  /** Why an earlier decision no longer holds. */
  readonly lapsed?: string;
}
