/** What the runner knows of one image it wrote, in the words the journal, the engine and the report share. */

/** Size, mtime and inode of a file right after writing (see `checkFile`). */
export interface FileStamp {
  readonly size: number;
  /** Modification time in nanoseconds since the epoch. */
  readonly mtimeNs: string;
  readonly ino: string;
}

/** One file written: the main image or a derivative. */
export interface WrittenFile {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly contentType: string;
  /** Size, mtime and inode right after writing, so a later run can skip reading it. */
  readonly stamp?: FileStamp;
}

/** One delivered image: the main file, its derivatives, and fal's original kept for re-encoding. */
export interface SavedImage extends WrittenFile {
  readonly sourceUrl: string;
  readonly original: { readonly sha256: string; readonly ext: string };
  readonly derivatives: ReadonlyArray<WrittenFile & { readonly name: string }>;
}

/** One image written for a job, as the journal and the report know it. */
export interface ImageRecord {
  readonly n: number;
  /** Relative to the output folder. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly contentType: string;
  readonly sourceUrl: string;
  /** fal's original bytes, kept under `.state/originals/`. */
  readonly original: { readonly sha256: string; readonly ext: string };
  /** The output settings the files were made with (`Job.output.settingsKey`). */
  readonly settings: string;
  readonly derivatives: ReadonlyArray<WrittenFile & { readonly name: string }>;
  /** The main file's size, mtime and inode when written (see `checkFile`). */
  readonly stamp?: FileStamp;
}

/** How many images a result holds. */
export function resultImageCount(result: unknown): number {
  const images = (result as { images?: unknown } | null)?.images;
  return Array.isArray(images) ? images.length : 0;
}

/** Shortens a `data:` URI for reports and logs; other URLs pass unchanged. */
export function displayUrl(url: string): string {
  if (!url.startsWith("data:")) return url;
  const comma = url.indexOf(",");
  return `${url.slice(0, Math.max(0, comma))},… (${url.length - comma - 1} chars)`;
}
