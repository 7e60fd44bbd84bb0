import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import pLimit from "p-limit";
import { describeFalError, type EditClient, type FalFailure } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import type { Upload } from "../plan/index.js";

/** Each distinct file's fal URL by content hash, or why its upload failed. */
export type UploadResults = ReadonlyMap<string, { readonly url: string } | { readonly failure: FalFailure }>;

/** Uploads every distinct local input once (by content hash), `concurrency` at a time. */
export async function uploadInputs(
  uploads: readonly Upload[],
  client: EditClient,
  concurrency: number,
  logger: Logger,
): Promise<UploadResults> {
  const limit = pLimit(concurrency);
  const results = new Map<string, { url: string } | { failure: FalFailure }>();
  await Promise.all(
    uploads.map((u) =>
      limit(async () => {
        try {
          const bytes = await readFile(u.path);
          const url = await client.upload({ bytes, contentType: u.contentType, fileName: basename(u.path) });
          logger.debug({ file: u.path, url }, "uploaded input image");
          results.set(u.sha256, { url });
        } catch (error) {
          const failure = describeFalError(error);
          logger.error({ file: u.path, error: failure.message }, "upload failed");
          results.set(u.sha256, { failure });
        }
      }),
    ),
  );
  return results;
}
