import { PipelineError } from "../errors.js";

/** What is known of an object already at the destination. */
export interface Existing {
  /** The sha256 the object was published with, when the destination knows it. */
  readonly sha256?: string;
  /** Its size in bytes. */
  readonly bytes?: number;
}

/** Where files are published: a folder, or an S3-compatible bucket. */
export interface Destination {
  /** The destination as the user wrote it, normalized: it names the publish journal. */
  readonly id: string;
  /** What is there under `key`, or undefined when nothing is. */
  head(key: string): Promise<Existing | undefined>;
  /** Stores `bytes` under `key`, with their hash, content type and cache header. */
  put(
    key: string,
    bytes: Buffer,
    meta: { readonly sha256: string; readonly contentType: string; readonly cacheControl: string },
  ): Promise<void>;
  /** Removes what is under `key`; nothing there is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Resolves what every request needs (an S3 region and credentials) once, before anything is
   * sent, so a missing one is one error instead of one per file.
   */
  prepare?(): Promise<void>;
}

/** A parsed `--to`: a local folder or `s3://bucket/prefix`. */
export type DestinationSpec =
  | { readonly kind: "folder"; readonly path: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string };

/** Parses `--to`: `s3://bucket[/prefix]` or a folder path (a `file:` URL too); other schemes are refused. */
export function parseDestination(to: string): DestinationSpec {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(to)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "folder", path: to };
  if (scheme === "file") return { kind: "folder", path: decodeURIComponent(new URL(to).pathname) };
  if (scheme !== "s3")
    throw new PipelineError("USAGE", `--to ${to}: expected a folder or s3://bucket/prefix, not ${scheme}://`);
  const rest = to.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/^\/+|\/+$/g, "");
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new PipelineError("USAGE", `--to ${to}: \`${bucket}\` is not a valid bucket name`);
  return { kind: "s3", bucket, prefix };
}
