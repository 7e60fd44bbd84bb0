import type { StreamedReport } from "./types.js";
import { STATUS_WORDS } from "./words.js";

/** Most tiles on a contact sheet: 8 columns × 6 rows, whatever the run's size. */
export const CONTACT_SHEET_MAX_TILES = 48;

/** One tile of the contact sheet. */
export interface ContactTile {
  readonly label: string;
  /** The output's hash (its gallery thumbnail), when the job has an image. */
  readonly sha256?: string;
  readonly kind: "failed" | "made" | "up to date";
}

/**
 * Chooses the contact sheet's tiles: the failures first, then what this run made, then (when
 * room is left, as on a night with nothing to do) images that were already up to date; at most
 * `max`. The title counts each kind and says how many of them the sheet shows ("48 of 84"). Pure.
 */
export function contactTiles(
  report: StreamedReport,
  max = CONTACT_SHEET_MAX_TILES,
): { title: string; tiles: ContactTile[] } {
  const failed: ContactTile[] = [];
  const made: ContactTile[] = [];
  const upToDate: ContactTile[] = [];
  const count = { failed: 0, made: 0, upToDate: 0 };
  for (const j of report.jobs) {
    const first = j.outputs[0];
    if (j.status === "failed" || j.status === "canceled") {
      count.failed++;
      if (failed.length < max) failed.push({ label: j.id, kind: "failed" });
    } else if (j.status === "succeeded" && first) {
      count.made++;
      if (made.length < max) made.push({ label: j.id, sha256: first.sha256, kind: "made" });
    } else if (j.status === "skipped" && first) {
      count.upToDate++;
      if (upToDate.length < max) upToDate.push({ label: j.id, sha256: first.sha256, kind: "up to date" });
    }
  }
  const tiles = [...failed, ...made, ...upToDate].slice(0, max);
  const all = count.failed + count.made + count.upToDate;
  const parts = [
    `${report.pipeline}: ${report.totals.jobs} jobs`,
    `${count.failed} ${STATUS_WORDS.failed}`,
    `${count.made} ${STATUS_WORDS.succeeded}`,
    `${count.upToDate} ${STATUS_WORDS.skipped}`,
    tiles.length < all
      ? `showing ${tiles.length} of ${all}, ${count.failed > 0 ? "failures first" : `${STATUS_WORDS.succeeded} first`} (the gallery has them all)`
      : `showing all ${all}`,
  ];
  return { title: parts.join(" · "), tiles };
}
