import type { StreamedReport } from "./types.js";

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
 * `max`. The title says what was left out. Pure.
 */
export function contactTiles(
  report: StreamedReport,
  max = CONTACT_SHEET_MAX_TILES,
): { title: string; tiles: ContactTile[] } {
  const failed: ContactTile[] = [];
  const made: ContactTile[] = [];
  const upToDate: ContactTile[] = [];
  let failures = 0;
  let madeCount = 0;
  for (const j of report.jobs) {
    const first = j.outputs[0];
    if (j.status === "failed" || j.status === "canceled") {
      failures++;
      if (failed.length < max) failed.push({ label: j.id, kind: "failed" });
    } else if (j.status === "succeeded" && first) {
      madeCount++;
      if (made.length < max) made.push({ label: j.id, sha256: first.sha256, kind: "made" });
    } else if (j.status === "skipped" && first && upToDate.length < max)
      upToDate.push({ label: j.id, sha256: first.sha256, kind: "up to date" });
  }
  const tiles = [...failed, ...made, ...upToDate].slice(0, max);
  const shownFailed = tiles.filter((t) => t.kind === "failed").length;
  const shownMade = tiles.filter((t) => t.kind === "made").length;
  const parts = [`${report.pipeline}: ${report.totals.jobs} jobs`, `${failures} failed`, `${madeCount} made`];
  if (shownFailed < failures || shownMade < madeCount)
    parts.push(`showing ${shownFailed} failed and ${shownMade} made (the gallery has them all)`);
  return { title: parts.join(" · "), tiles };
}
