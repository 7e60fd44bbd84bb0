/**
 * How large the files a manifest names may be. Everything read is bounded, so that a wrong
 * path (`/dev/zero`, a FIFO, a 10 GB export) is a one-line error, not a hang or a full memory.
 * Documented in docs/limits.md.
 */
export const LIMITS = {
  /** A YAML manifest. */
  yamlBytes: 16 * 1024 * 1024,
  /** A CSV: a standalone manifest or a rows file (100,000 rows of 1 KB fit 8 times over). */
  csvBytes: 128 * 1024 * 1024,
  /** One CSV record (a line, quoted line breaks included), in characters. */
  csvRecordChars: 1024 * 1024,
  /** Columns of a CSV header. */
  csvColumns: 1000,
  /** A local input image. */
  imageBytes: 50 * 1024 * 1024,
} as const;
