import type { FalAccess } from "../fal/index.js";

type FalTarget = FalAccess["target"];

/**
 * Where a replayed result's images may be fetched from: the same hosts as a live answer's
 * (https on fal's media hosts, or the base URL's origin, or a `data:` URI). A `completed` line
 * naming any other URL was not written by this runner from fal's answer: the journal was edited.
 */
// TODO(#24): use h-hfal's `resultUrlProblem` (src/fal/result-urls.ts) once it is on main.
function urlProblem(url: string, target: FalTarget): string | undefined {
  if (url.startsWith("data:")) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL";
  }
  if (target.kind === "base-url" && parsed.origin === new URL(target.baseUrl).origin) return undefined;
  if (parsed.protocol === "https:" && parsed.port === "" && /(^|\.)fal\.media$/i.test(parsed.hostname))
    return undefined;
  return `${parsed.origin} is neither fal's media hosts nor the base URL's origin`;
}

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
      const problem = urlProblem(url, target);
      if (problem) return `a result URL fal would not send (${problem})`;
    }
    return undefined;
  };
}
