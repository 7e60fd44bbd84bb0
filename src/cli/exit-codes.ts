import { type ErrorCode, PipelineError } from "../errors.js";

/** The exit codes, documented in the README and `--help`. */
export const EXIT = {
  /** Every job succeeded. */
  ok: 0,
  /** The run finished; some jobs failed. */
  jobsFailed: 1,
  /** Manifest, usage or credential error: nothing was sent. */
  usage: 2,
  /** Stopped by the deadline or the budget. */
  stopped: 3,
  /** fal stayed unreachable past --outage-timeout (EX_UNAVAILABLE): the next run resumes. */
  unavailable: 69,
  /** The output folder cannot be written: full, read-only, over quota, a name too long (EX_CANTCREAT). */
  unwritable: 73,
  /** Another run holds the output folder (EX_TEMPFAIL: try again later). */
  locked: 75,
  /** Interrupted by SIGINT / SIGTERM (128 + signal). */
  sigint: 130,
  sigterm: 143,
  /** Anything unexpected. */
  internal: 70,
} as const;

const BY_CODE: Readonly<Record<ErrorCode, number>> = {
  MANIFEST_INVALID: EXIT.usage,
  USAGE: EXIT.usage,
  FAL_CREDENTIALS_MISSING: EXIT.usage,
  FAL_AUTH: EXIT.usage,
  OUTPUT_FAILED: EXIT.internal,
  STATE_UNTRUSTED: EXIT.usage,
  LOCKED: EXIT.locked,
};

/** What each system error that makes an output folder unwritable means, in a few words. */
const UNWRITABLE: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENAMETOOLONG: "a file name is too long",
  /** A write that took no byte, or a disk that failed (src/files/ never leaves a file that ends short). */
  EIO: "an input/output error (a write stopped short, or the disk failed)",
};

/** `cannot write <path>: <what> (<code>): …`, the one line every unwritable end prints. */
function causeLine(code: string | undefined, what: string, path: string | undefined): string {
  return `cannot write ${path ?? "the output folder"}: ${what}${code === undefined ? "" : ` (${code})`}: the run stopped, and the next run picks up from the journal`;
}

/**
 * A one-line cause for a write that failed because of the output folder (not a bug), or
 * undefined: `cannot write <path>: the file system is read-only (EROFS)`.
 */
function unwritableCause(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code, path } = e as NodeJS.ErrnoException;
    const what = code === undefined ? undefined : UNWRITABLE[code];
    if (code !== undefined && what !== undefined) return causeLine(code, what, path);
  }
  return undefined;
}

/**
 * The one line a run that ended `output_unwritable` prints, from the cause it stopped on (a
 * system error's message: `ENOSPC: no space left on device, write '<path>'`).
 */
export function unwritableEndLine(cause: string): string {
  const code = /\b(E[A-Z]{2,})\b/.exec(cause)?.[1];
  const what = code === undefined ? undefined : UNWRITABLE[code];
  const path = /'([^']+)'/.exec(cause)?.[1];
  return `seedream-pipeline: ${what === undefined ? causeLine(undefined, cause, path) : causeLine(code, what, path)}`;
}

/**
 * The one place errors become exit codes and messages: an expected error prints its
 * message (one line per issue); an unexpected one prints its stack.
 */
export function reportError(error: unknown, write: (text: string) => void): number {
  if (error instanceof PipelineError) {
    write(`seedream-pipeline: ${error.message.split("\n").join("\nseedream-pipeline: ")}\n`);
    return BY_CODE[error.code];
  }
  const unwritable = unwritableCause(error);
  if (unwritable) {
    write(`seedream-pipeline: ${unwritable}\n`);
    return EXIT.unwritable;
  }
  write(
    `seedream-pipeline: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.internal;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    every job succeeded or was up to date
  1    the run finished, some jobs failed or are unfinished (see report.json)
  2    manifest, usage or credential error (nothing was sent), fal rejected the key, or the
       output folder's state cannot be trusted (a symlink in it, a damaged journal line)
  3    stopped by --deadline or the budget (--max-cost): the rest is reported as not run
  69   fal stayed unreachable past --outage-timeout: unfinished jobs are left for the next run
  70   unexpected internal error
  73   the output folder cannot be written (full, read-only, over quota): the cause is printed;
       nothing more is sent; what fal finished is journaled (or its request id logged as
       "not journaled"), and the next run delivers it without paying again
  75   another run holds the output folder (try again later)
  130  interrupted (SIGINT): the next run picks up where this one stopped
  143  terminated (SIGTERM): likewise`;
