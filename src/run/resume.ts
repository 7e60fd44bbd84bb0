import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, rm } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { builtinVariables, type Job, renderOutputPath } from "../plan/index.js";
import type { KeyState } from "./job-state.js";
import type { ImageRecord } from "./journal.js";

/** How a job starts in this run, from what earlier runs left. */
export type Start =
  /** Never sent, or sent again on purpose: a new request. */
  | { readonly kind: "submit"; readonly note?: string }
  /** Sent but not finished: follow the same request (no new submit while fal answers for it). */
  | { readonly kind: "attach"; readonly request: string }
  /** fal finished it but not every image was written: fetch them (no queue call). */
  | { readonly kind: "download"; readonly request: string; readonly result: unknown }
  /** Every image is on disk with its hash: nothing to do, at no cost. */
  | {
      readonly kind: "skip";
      readonly reason: string;
      readonly request: string;
      readonly images: readonly ImageRecord[];
    }
  /** Failed in an earlier run; only `--retry-failed` sends it again. */
  | { readonly kind: "failed-before"; readonly reason: string }
  /** An earlier run was killed while sending it: fal may have it, under an id we never got. */
  | { readonly kind: "in-doubt"; readonly reason: string };

export interface ResumeOptions {
  /** Regenerate every job, whatever is on disk. */
  readonly force?: boolean;
  /** Send again the jobs an earlier run failed. */
  readonly retryFailed?: boolean;
}

/** How many images a result holds. */
export function resultImageCount(result: unknown): number {
  const images = (result as { images?: unknown } | null)?.images;
  return Array.isArray(images) ? images.length : 0;
}

/**
 * Decides how a job starts. Pure: `verified` says whether every image of a finished job is on
 * disk with its recorded hash at the path the manifest now gives.
 */
export function decideStart(state: KeyState | undefined, verified: boolean, options: ResumeOptions): Start {
  if (state?.phase === "submitting")
    return options.retryFailed
      ? { kind: "submit", note: "--retry-failed (its earlier submit was cut off)" }
      : {
          kind: "in-doubt",
          reason:
            "an earlier run was killed while sending it: fal may have accepted it, but its request id never came back; not sent again, to avoid paying twice (--retry-failed sends it again)",
        };
  if (!state || state.request === undefined) {
    if (state?.phase === "failed" && !options.retryFailed)
      return {
        kind: "failed-before",
        reason: `failed in an earlier run: ${state.cause ?? ""} (--retry-failed sends it again)`,
      };
    return { kind: "submit" };
  }
  if (options.force) return { kind: "submit", note: "--force" };
  switch (state.phase) {
    case "submitted":
      return { kind: "attach", request: state.request };
    case "completed":
      return { kind: "download", request: state.request, result: state.result };
    case "done":
      return verified
        ? { kind: "skip", reason: "up to date", request: state.request, images: [...state.images.values()] }
        : { kind: "download", request: state.request, result: state.result };
    case "failed":
      return options.retryFailed
        ? { kind: "submit", note: "--retry-failed" }
        : {
            kind: "failed-before",
            reason: `failed in an earlier run: ${state.cause ?? ""} (--retry-failed sends it again)`,
          };
    case "canceled":
      return { kind: "submit", note: "canceled in an earlier run" };
    case "expired":
      return { kind: "submit", note: `fal no longer knows request ${state.request}` };
  }
}

async function sha256Of(path: string): Promise<string | undefined> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch {
    return undefined;
  }
}

/** Where an output's original bytes are kept, by content hash. */
export function originalPath(outputDir: string, record: Pick<ImageRecord, "sha256" | "path">): string {
  return join(outputDir, ".state", "originals", `${record.sha256}${extname(record.path)}`);
}

/** Keeps a written image's bytes under `.state/originals/` (a hard link: no second copy on disk). */
export async function keepOriginal(
  outputDir: string,
  record: Pick<ImageRecord, "sha256" | "path">,
): Promise<void> {
  const target = originalPath(outputDir, record);
  await mkdir(dirname(target), { recursive: true });
  try {
    await link(join(outputDir, record.path), target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    await copyFile(join(outputDir, record.path), target);
  }
}

/**
 * Checks that every image of a finished job is on disk at the path the manifest now gives, with
 * its recorded hash; a missing or changed file (or a new output path) is restored from the kept
 * original. Returns the records as they now stand, or undefined when one cannot be restored.
 */
export async function verifyImages(
  outputDir: string,
  job: Job,
  state: KeyState,
): Promise<ImageRecord[] | undefined> {
  const count = resultImageCount(state.result);
  if (count === 0 || state.images.size < count) return undefined;
  const records: ImageRecord[] = [];
  for (let n = 1; n <= count; n++) {
    const record = state.images.get(n);
    if (!record) return undefined;
    const path = renderOutputPath(
      job.outputPath,
      job.row,
      builtinVariables(job),
      n,
      extname(record.path).slice(1),
    );
    if (typeof path !== "string") return undefined;
    const target = join(outputDir, path);
    if ((await sha256Of(target)) !== record.sha256) {
      const original = originalPath(outputDir, record);
      if ((await sha256Of(original)) !== record.sha256) return undefined;
      await mkdir(dirname(target), { recursive: true });
      await rm(target, { force: true });
      await link(original, target).catch(() => copyFile(original, target));
    }
    records.push({ ...record, path });
  }
  return records;
}
