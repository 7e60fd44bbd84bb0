import { join } from "node:path";
import { z } from "zod";
import { PipelineError } from "../errors.js";
import { resultUrlProblem } from "../fal/result-urls.js";
import { readBytes, writeFileAtomic } from "../files/index.js";
import type { Logger } from "../log/logger.js";

/** fal keeps uploaded files about 7 days; a cached URL is trusted for less, and checked. */
export const UPLOAD_MAX_AGE_MS = 6 * 24 * 3600 * 1000;

/** The largest `.state/uploads.json` read: a few hundred bytes an input, for thousands of inputs. */
export const MAX_UPLOAD_CACHE_BYTES = 4 * 1024 * 1024;
/** The most entries kept: more inputs than a night's manifest holds; past it, the file is not one we wrote. */
export const MAX_UPLOAD_CACHE_ENTRIES = 20_000;

const entrySchema = z.strictObject({
  url: z.string().max(2048),
  /** When it was uploaded (epoch ms). */
  at: z.number().int().nonnegative(),
});
type Entry = z.infer<typeof entrySchema>;
const SHA256 = /^[0-9a-f]{64}$/;

/** Where the cache is read for: the fal target its URLs must belong to, and where warnings go. */
export interface UploadCacheOptions {
  /** `fal`, or the base URL whose origin an uploaded file's URL may have (see `resultUrlProblem`). */
  readonly target: string;
  /** Where results come from (`FalAccess.source`): `emulator` forgets earlier emulators' uploads quietly. */
  readonly source?: string;
  readonly logger?: Logger;
}

/**
 * The entries of the file's text that are fit to use, and a sentence for each that is not. The
 * file is the runner's own but lies in a folder anyone may edit: a URL in it is sent to fal as
 * our input (and asked with a HEAD), so it must be one fal would have given us — on its media
 * hosts over https, or on the base URL's origin — never another service of this machine.
 */
export function parseUploadCache(
  text: string,
  target: string,
  source?: string,
): { entries: Map<string, Entry>; dropped: string[]; gone: number } {
  const entries = new Map<string, Entry>();
  let gone = 0;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { entries, dropped: ["not JSON"], gone };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { entries, dropped: ["not an object"], gone };
  const all = Object.entries(raw);
  if (all.length > MAX_UPLOAD_CACHE_ENTRIES)
    return { entries, dropped: [`${all.length} entries, over the ${MAX_UPLOAD_CACHE_ENTRIES} limit`], gone };
  const dropped: string[] = [];
  for (const [key, value] of all) {
    const shown = `${key.slice(0, 12)}…`;
    const parsed = entrySchema.safeParse(value);
    if (!SHA256.test(key)) dropped.push("a key that is not a content hash");
    else if (!parsed.success) dropped.push(`${shown}: not {url, at}`);
    else {
      const problem = resultUrlProblem(parsed.data.url, target);
      if (parsed.data.url.startsWith("data:")) dropped.push(`${shown}: a data: URI, not an uploaded file`);
      else if (problem !== undefined && source === "emulator" && onLoopback(parsed.data.url)) gone += 1;
      else if (problem !== undefined) dropped.push(`${shown}: URL refused (${problem})`);
      else entries.set(key, parsed.data);
    }
  }
  return { entries, dropped, gone };
}

/**
 * An upload to an earlier `--emulator` run's emulator: gone with its process (its port is now
 * anyone's), so dropped without a word when this run has an emulator of its own.
 */
function onLoopback(url: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * Each input file's fal URL by content hash, with its age, under `.state/uploads.json`, so an
 * input is uploaded once across runs while fal still serves it.
 */
export class UploadCache {
  private constructor(
    readonly outputDir: string,
    readonly path: string,
    readonly entries: Map<string, Entry>,
  ) {}

  /**
   * Reads the cache, keeping only entries that pass `parseUploadCache`; what is dropped is warned
   * about once and its input uploaded again. A bad cache never fails a run.
   */
  static async open(outputDir: string, options: UploadCacheOptions): Promise<UploadCache> {
    const path = join(outputDir, ".state", "uploads.json");
    const read = await readCacheFile(path, outputDir);
    if ("refused" in read) {
      // None yet is the ordinary case; anything else is said, and the inputs uploaded again.
      if (read.refused !== undefined)
        options.logger?.warn(
          { path },
          `cached uploads not used (${read.refused}): inputs are uploaded again`,
        );
      return new UploadCache(outputDir, path, new Map());
    }
    const { entries, dropped, gone } = parseUploadCache(
      read.bytes.toString("utf8"),
      options.target,
      options.source,
    );
    if (gone > 0) options.logger?.debug({ path, gone }, "uploads to an earlier emulator are gone with it");
    if (dropped.length > 0)
      options.logger?.warn(
        { path },
        `${dropped.length} cached upload${dropped.length === 1 ? "" : "s"} dropped (${dropped.slice(0, 3).join("; ")}${dropped.length > 3 ? "; …" : ""}): ${dropped.length === 1 ? "its input is" : "their inputs are"} uploaded again`,
      );
    return new UploadCache(outputDir, path, entries);
  }

  /** A URL young enough to try, or undefined. */
  fresh(sha256: string, now: number): string | undefined {
    const e = this.entries.get(sha256);
    return e && now - e.at < UPLOAD_MAX_AGE_MS ? e.url : undefined;
  }

  set(sha256: string, url: string, at: number): void {
    this.entries.set(sha256, { url, at });
  }

  forget(sha256: string): void {
    this.entries.delete(sha256);
  }

  save(): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(Object.fromEntries(this.entries), null, 2)}\n`, {
      within: this.outputDir,
    });
  }
}

/**
 * The cache file's bytes (at most `MAX_UPLOAD_CACHE_BYTES`), or why not (undefined: there is
 * none). Never read through a link: one there (or at `.state/`) stops the run, as for all state.
 */
async function readCacheFile(
  path: string,
  outputDir: string,
): Promise<{ readonly bytes: Buffer } | { readonly refused: string | undefined }> {
  try {
    const bytes = await readBytes(path, { within: outputDir, maxBytes: MAX_UPLOAD_CACHE_BYTES });
    return bytes === undefined ? { refused: undefined } : { bytes };
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    return { refused: (error as Error).message };
  }
}

/** Whether a file URL is still served (a HEAD request, 10 s at most). */
export async function stillServed(url: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const response = await fetchImpl(url, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
    return response.ok;
  } catch {
    return false;
  }
}
