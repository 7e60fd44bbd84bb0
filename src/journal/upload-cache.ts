import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileSafely } from "../outputs/index.js";

/** fal keeps uploaded files about 7 days; a cached URL is trusted for less, and checked. */
export const UPLOAD_MAX_AGE_MS = 6 * 24 * 3600 * 1000;

interface Entry {
  readonly url: string;
  /** When it was uploaded (epoch ms). */
  readonly at: number;
}

/**
 * Each input file's fal URL by content hash, with its age, under `.state/uploads.json`, so an
 * input is uploaded once across runs while fal still serves it.
 */
export class UploadCache {
  private constructor(
    readonly path: string,
    readonly entries: Map<string, Entry>,
  ) {}

  static async open(outputDir: string): Promise<UploadCache> {
    const path = join(outputDir, ".state", "uploads.json");
    let entries = new Map<string, Entry>();
    try {
      entries = new Map(Object.entries(JSON.parse(await readFile(path, "utf8")) as Record<string, Entry>));
    } catch {
      // None yet, or unreadable: uploads are made again.
    }
    return new UploadCache(path, entries);
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
    return writeFileSafely(this.path, `${JSON.stringify(Object.fromEntries(this.entries), null, 2)}\n`);
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
