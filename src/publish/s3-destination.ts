import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import type { Destination, Existing } from "./destination.js";

/** How to reach an S3-compatible store (AWS S3, Cloudflare R2, GCS interop, MinIO). */
export interface S3Options {
  readonly bucket: string;
  /** Key prefix, without slashes at either end ("" for the bucket's root). */
  readonly prefix: string;
  /** @example "https://<account>.r2.cloudflarestorage.com" @default AWS S3 */
  readonly endpoint?: string;
  /** @default the AWS environment or profile's region */
  readonly region?: string;
  /** Bucket in the path, not the host name (MinIO and most local servers). @default false */
  readonly forcePathStyle?: boolean;
}

/** The metadata key holding the published file's sha256 (`x-amz-meta-sha256`). */
export const SHA_META = "sha256";

/**
 * An S3-compatible bucket through `@aws-sdk/client-s3` (the only importer of it), credentials
 * from the AWS default chain (environment, shared config and credentials files, SSO, instance
 * roles). Each object carries its sha256 in its metadata, so a HEAD tells whether it is already
 * there with the same bytes.
 */
export function s3Destination(options: S3Options): Destination & { close(): void } {
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 5,
  });
  const full = (key: string) => (options.prefix ? `${options.prefix}/${key}` : key);
  return {
    id: `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` at ${options.endpoint}` : ""}`,
    async head(key: string): Promise<Existing | undefined> {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: full(key) }));
        const sha256 = head.Metadata?.[SHA_META];
        return sha256 ? { sha256 } : {};
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
        throw error;
      }
    },
    async put(key, bytes, meta) {
      await client.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: full(key),
          Body: bytes,
          ContentType: meta.contentType,
          CacheControl: meta.cacheControl,
          Metadata: { [SHA_META]: meta.sha256 },
        }),
      );
    },
    close: () => client.destroy(),
  };
}
