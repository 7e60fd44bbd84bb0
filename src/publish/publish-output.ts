import { PipelineError } from "../errors.js";
import type { Report } from "../report/index.js";
import { indexDecisions, readDecisions } from "../review/index.js";
import { type Destination, parseDestination } from "./destination.js";
import { folderDestination } from "./folder-destination.js";
import { notFromFal } from "./made-by.js";
import { type HeldBack, type PublishSelection, planPublish } from "./plan-publish.js";
import { type PublishOptions, type PublishResult, publish } from "./publish.js";
import { type S3Options, s3Destination } from "./s3-destination.js";

/** Options of `publishOutput`. */
export interface PublishOutputOptions
  extends PublishSelection,
    Pick<PublishOptions, "dryRun" | "check" | "deleteStale" | "concurrency" | "onFile"> {
  /** The pipeline's output folder. */
  readonly outputDir: string;
  /** Its last report (`report.json`). */
  readonly report: Report;
  /** A folder, or `s3://bucket/prefix`. */
  readonly to: string;
  /** For `s3://`: endpoint, region, profile, path style. */
  readonly s3?: Omit<S3Options, "bucket" | "prefix">;
  /**
   * Publish images fal did not make (the emulator's, a test server's). @default false: refused,
   * so test pictures never reach a shop.
   */
  readonly allowEmulated?: boolean;
}

/** What was published, and what was held back (not approved) and why. */
export interface PublishOutcome extends PublishResult {
  readonly destination: string;
  readonly held: readonly HeldBack[];
}

/**
 * Publishes an output folder's approved images (or, with `all`, every successful one), with
 * their derivatives and sidecars, to a folder or an S3-compatible bucket: read the decisions,
 * plan (pure), refuse images fal did not make, resolve the destination's settings once, then
 * copy what the destination does not hold yet.
 */
export async function publishOutput(options: PublishOutputOptions): Promise<PublishOutcome> {
  const decisions = indexDecisions((await readDecisions(options.outputDir)).values());
  const { items, held } = planPublish(options.report, decisions, options);
  const spec = parseDestination(options.to);
  const offFal = options.allowEmulated ? undefined : notFromFal(options.report, items);
  if (offFal)
    throw new PipelineError(
      "USAGE",
      `publish: ${offFal.images} image${offFal.images === 1 ? "" : "s"} to publish ${offFal.images === 1 ? "was" : "were"} made by ${offFal.where}, not fal (an emulator or a test server): run against fal first, or pass --allow-emulated to publish them anyway`,
    );
  const destination: Destination & { close?: () => void } =
    spec.kind === "folder"
      ? folderDestination(spec.path)
      : s3Destination({ bucket: spec.bucket, prefix: spec.prefix, ...options.s3 });
  try {
    await destination.prepare?.();
    const result = await publish({
      outputDir: options.outputDir,
      pipeline: options.report.pipeline,
      destination,
      items,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.check ? { check: true } : {}),
      ...(options.deleteStale ? { deleteStale: true } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.onFile ? { onFile: options.onFile } : {}),
    });
    return { ...result, destination: destination.id, held };
  } finally {
    destination.close?.();
  }
}
