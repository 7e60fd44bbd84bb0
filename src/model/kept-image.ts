/** What the runner knows of a result image kept and not yet rendered, in the words the journal and the engine share. */

/**
 * How one kept image is rendered, as the journal keeps it (JSON, no functions): the paths are
 * resolved for the extension each output will have, so a `render` process on another machine
 * needs the folder only, not the manifest. `spec` is the manifest's ImageSpec (opaque here).
 */
export interface RenderRecipe {
  /** The job's id, for the log. */
  readonly job: string;
  /** The output settings the files are made with (`Job.output.settingsKey`). */
  readonly settings: string;
  readonly main: { readonly spec: object; readonly path: string };
  readonly derivatives: ReadonlyArray<{
    readonly name: string;
    readonly spec: object;
    readonly path: string;
  }>;
  /** The sidecar's fields; absent for none. */
  readonly sidecar?: Readonly<Record<string, unknown>>;
}

/** One result image as delivery leaves it: downloaded, checked whole, hashed and kept. */
export interface KeptImage {
  readonly sourceUrl: string;
  readonly original: { readonly sha256: string; readonly ext: string };
  readonly width: number;
  readonly height: number;
  readonly contentType: string;
  /**
   * What fal's result said of the image (content type, width, height) that the bytes contradict:
   * the file is kept as the bytes are, and this says how fal's word differed. Absent when it agreed.
   */
  readonly claimsDiffer?: string;
}

/** Image `n` of a result, kept and not yet rendered as its recipe says. */
export type PendingRender = KeptImage & { readonly n: number; readonly recipe: RenderRecipe };
