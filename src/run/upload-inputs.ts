import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import pLimit from "p-limit";
import { describeFalError, type EditClient } from "../fal/index.js";
import { stillServed, type UploadCache } from "../journal/upload-cache.js";
import type { Logger } from "../log/logger.js";
import type { FalFailure } from "../model/failure.js";
import type { Upload } from "../plan/index.js";
import { type CallRetry, retryCall } from "./retry-call.js";

/** Each distinct file's fal URL by content hash, or why its upload failed. */
export type UploadResults = ReadonlyMap<string, { readonly url: string } | { readonly failure: FalFailure }>;

/**
 * Uploads every distinct local input once (by content hash), `concurrency` at a time. With a
 * cache, a file uploaded by an earlier run is not uploaded again while fal still serves it. With
 * `retry`, a failed upload is tried again by the run's retry layer (the client does not).
 */
export async function uploadInputs(
  uploads: readonly Upload[],
  client: EditClient,
  concurrency: number,
  logger: Logger,
  cache?: { readonly store: UploadCache; readonly now: () => number; readonly fetch?: typeof fetch },
  retry?: CallRetry,
): Promise<UploadResults> {
  const limit = pLimit(concurrency);
  const results = new Map<string, { url: string } | { failure: FalFailure }>();
  await Promise.all(
    uploads.map((u) =>
      limit(async () => {
        const cached = cache?.store.fresh(u.sha256, cache.now());
        if (cached && (await stillServed(cached, cache?.fetch))) {
          logger.debug({ file: u.path, url: cached }, "input already on fal");
          results.set(u.sha256, { url: cached });
          return;
        }
        if (cached) cache?.store.forget(u.sha256);
        try {
          const bytes = await readFile(u.path);
          const file = { bytes, contentType: u.contentType, fileName: basename(u.path) };
          const url = retry
            ? await retryCall(
                "upload",
                () => client.upload(file),
                retry,
                (attempt, failure) =>
                  logger.warn({ file: u.path, attempt, cause: failure.message }, "upload failed; retrying"),
              )
            : await client.upload(file);
          logger.debug({ file: u.path, url }, "uploaded input image");
          results.set(u.sha256, { url });
          cache?.store.set(u.sha256, url, cache.now());
        } catch (error) {
          const failure = describeFalError(error);
          logger.error({ file: u.path, error: failure.message }, "upload failed");
          results.set(u.sha256, { failure });
        }
      }),
    ),
  );
  await cache?.store.save();
  return results;
}
