import { readlinkSync } from "node:fs";
import { readlink } from "node:fs/promises";
import { PipelineError } from "../errors.js";

/** Whether an open with O_NOFOLLOW failed because the path's last part is a symbolic link. */
export const isLinkError = (error: unknown): boolean => (error as NodeJS.ErrnoException)?.code === "ELOOP";

function refusal(path: string, target: string, want: "file" | "folder", cause?: unknown): PipelineError {
  return new PipelineError(
    "STATE_UNTRUSTED",
    `${path} is a symbolic link (to ${target}): seedream-pipeline never reads or writes its own files through links; put the ${want} itself there, or remove it`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The error for a symbolic link where the runner reads or writes a file or folder of its own:
 * a link there would have it read another file as its state, or write (truncate, overwrite) one
 * outside the output folder. Names the path and where the link points; STATE_UNTRUSTED (exit 2).
 */
export async function linkRefused(
  path: string,
  want: "file" | "folder" = "file",
  cause?: unknown,
): Promise<PipelineError> {
  const target = await readlink(path).catch(() => "?");
  return refusal(path, target, want, cause);
}

/** `linkRefused` for the synchronous opens (the journal's, an append-only store's). */
export function linkRefusedSync(
  path: string,
  want: "file" | "folder" = "file",
  cause?: unknown,
): PipelineError {
  let target = "?";
  try {
    target = readlinkSync(path);
  } catch {
    // Gone again, or not a link after all: the message still names the path.
  }
  return refusal(path, target, want, cause);
}
