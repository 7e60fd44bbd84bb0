import type { ReportJob } from "./types.js";

/**
 * The words a person reads for a job's status, on every page (gallery, review app, contact
 * sheet): the report keeps fal-ish names (`skipped`), a reviewer reads what they mean.
 */
export const STATUS_WORDS = {
  succeeded: "made",
  skipped: "up to date",
  failed: "failed",
  unfinished: "unfinished",
  canceled: "canceled",
  not_run: "not run",
} as const satisfies Record<ReportJob["status"], string>;

/** The words for where an image stands in review; `none` is a job without an image. */
export const REVIEW_WORDS = {
  approved: "approved",
  rejected: "rejected",
  pending: "pending",
  none: "no image",
} as const;

/** Both word sets, as the browser scripts receive them. */
export const WORDS = { status: STATUS_WORDS, review: REVIEW_WORDS } as const;

/** The word for a status; an unknown one (a newer report) is shown as it is. */
const _statusWord = (status: string): string => (STATUS_WORDS as Record<string, string>)[status] ?? status;

const TITLE_COLUMNS = ["name", "title", "product_name", "product", "label"];

/**
 * What names a row for a person (the product's name): its `name`-like column, or else its
 * first two values. Pure.
 */
export function rowTitle(row: Readonly<Record<string, string>> | undefined): string {
  if (!row) return "";
  const keys = Object.keys(row);
  for (const want of TITLE_COLUMNS) {
    const k = keys.find((key) => key.toLowerCase() === want);
    if (k && row[k]) return row[k];
  }
  return Object.values(row).slice(0, 2).join(" · ");
}
