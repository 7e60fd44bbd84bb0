import type { FalAccess } from "../fal/index.js";
import { resultUrlProblem } from "../fal/result-urls.js";

type FalTarget = FalAccess["target"];

/** The built-in emulator, on whatever loopback port it had that night. */
function loopbackHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

/**
 * The check `openJournal` runs on each replayed result (see `OpenJournalOptions.checkResult`).
 * A result is checked against where its request went: one from another source is not fetched
 * by this run (the job is made again, see `source-check`), and the built-in emulator's results
 * were on its loopback port of that night.
 */
export function replayedResultCheck(
  target: FalTarget,
  runSource: string,
): (result: unknown, source: string | undefined) => string | undefined {
  return (result, source) => {
    if (source !== undefined && source !== runSource) return undefined;
    const images = (result as { images?: unknown } | null)?.images;
    if (!Array.isArray(images)) return "a result without its list of images";
    for (const image of images) {
      const url = (image as { url?: unknown } | null)?.url;
      if (typeof url !== "string") return "a result image without its URL";
      if (source === "emulator" && loopbackHttp(url)) continue;
      // The same rule as a live answer's: a completed line naming another URL was edited in.
      const problem = resultUrlProblem(url, target.kind === "fal" ? "fal" : target.baseUrl);
      if (problem) return `a result URL fal would not send (${problem})`;
    }
    return undefined;
  };
}
