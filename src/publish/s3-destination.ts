import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { PipelineError } from "../errors.js";
import { envScrubber, SecretScrubber, scrubError } from "../log/secret-scrubber.js";
import type { Destination, Existing } from "./destination.js";

/** How to reach an S3-compatible store (AWS S3, Cloudflare R2, GCS interop, MinIO). */
export interface S3Options {
  readonly bucket: string;
  /** Key prefix, without slashes at either end ("" for the bucket's root). */
  readonly prefix: string;
  /** @example "https://<account>.r2.cloudflarestorage.com" @default AWS S3 */
  readonly endpoint?: string;
  /**
   * @default the AWS environment's or the profile's region; with `endpoint` and neither,
   * `us-east-1` (what MinIO and R2 accept); without `endpoint` and neither, an error.
   */
  readonly region?: string;
  /** A profile of the shared AWS config and credentials files. @default AWS_PROFILE or `default` */
  readonly profile?: string;
  /** Bucket in the path, not the host name (MinIO and most local servers). @default false */
  readonly forcePathStyle?: boolean;
}

/** The metadata key holding the published file's sha256 (`x-amz-meta-sha256`). */
export const SHA_META = "sha256";

/** The region S3-compatible servers other than AWS accept when none is configured. */
export const ENDPOINT_DEFAULT_REGION = "us-east-1";

function makeClient(options: S3Options, region: string | undefined): S3Client {
  return new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(region ? { region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 5,
  });
}

/** The client's region, or undefined when no source gives one (the SDK throws "Region is missing"). */
async function configuredRegion(client: S3Client): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}

/**
 * An S3-compatible bucket through `@aws-sdk/client-s3` (the only importer of it), credentials
 * from the AWS default chain (environment, shared config and credentials files, SSO, instance
 * roles) or `profile`. Each object carries its sha256 in its metadata, so a HEAD tells whether
 * it is already there with the same bytes.
 */
export function s3Destination(options: S3Options): Destination & { close(): void } {
  let client = makeClient(options, options.region);
  // The credentials the SDK resolved (environment, profile files, SSO…), once known: an answer
  // that echoes one (a hostile or broken endpoint's error body) is scrubbed before it is kept.
  let secrets = envScrubber(process.env);
  const send = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw scrubError(error, secrets);
    }
  };
  const full = (key: string) => (options.prefix ? `${options.prefix}/${key}` : key);
  const id = `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` at ${options.endpoint}` : ""}`;
  return {
    id,
    async prepare() {
      if ((await configuredRegion(client)) === undefined) {
        if (!options.endpoint)
          throw new PipelineError(
            "USAGE",
            `publish to ${id}: no AWS region: pass --region, set AWS_REGION, or set region in the profile${options.profile ? ` \`${options.profile}\`` : ""}`,
          );
        client.destroy();
        client = makeClient(options, ENDPOINT_DEFAULT_REGION);
      }
      try {
        const c = await client.config.credentials();
        secrets = new SecretScrubber([
          c.accessKeyId,
          c.secretAccessKey,
          c.sessionToken,
          ...envScrubber(process.env).values,
        ]);
      } catch (error) {
        scrubError(error, secrets);
        throw new PipelineError(
          "USAGE",
          `publish to ${id}: no AWS credentials${options.profile ? ` in profile \`${options.profile}\`` : ""}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile (${(error as Error).message.split("\n")[0]})`,
          { cause: error },
        );
      }
    },
    async head(key: string): Promise<Existing | undefined> {
      try {
        const head = await send(() =>
          client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: full(key) })),
        );
        const sha256 = head.Metadata?.[SHA_META];
        return {
          ...(sha256 ? { sha256 } : {}),
          ...(head.ContentLength !== undefined ? { bytes: head.ContentLength } : {}),
        };
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
        throw error;
      }
    },
    async put(key, bytes, meta) {
      await send(() =>
        client.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: full(key),
            Body: bytes,
            ContentType: meta.contentType,
            CacheControl: meta.cacheControl,
            Metadata: { [SHA_META]: meta.sha256 },
          }),
        ),
      );
    },
    async delete(key) {
      await send(() => client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: full(key) })));
    },
    close: () => client.destroy(),
  };
}
