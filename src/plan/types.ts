import type { EndpointDefinition, ImageSizeValue, PixelSize } from "../endpoints/index.js";
import type { ImageRef, ImageSpec, SkippedRow, TemplateField } from "../manifest/types.js";

export type { SkippedRow };

/** One request to fal, fully decided before anything is sent. */
export interface Job {
  /** Stable, user-facing id, unique in the plan. @example "sku-123-hero-square" */
  readonly id: string;
  /**
   * Hash of everything that decides the generated image: the endpoint, the canonical input,
   * and the content hash of each local input image. Stable across runs and machines.
   */
  readonly key: string;
  readonly endpoint: EndpointDefinition;
  readonly promptName: string;
  readonly sizeName: string;
  readonly sizeValue: ImageSizeValue;
  /** The row's variables (empty without rows). */
  readonly row: Readonly<Record<string, string>>;
  /** 1-based row number, or 0 without rows. */
  readonly rowIndex: number;
  /** The exact fal input without `image_urls`, which are only known after upload. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The input images, in the order fal sees them (Figure 1, Figure 2, …). */
  readonly images: readonly ImageRef[];
  /** The pixels expected back, when they can be known before the run. */
  readonly expectedSize: PixelSize | undefined;
  /** Fewest and most images the request can return. */
  readonly expectedImages: { readonly min: number; readonly max: number };
  readonly pricePerImageUsd: number;
  /** The seed this job was expanded over (`seeds`), if any. */
  readonly seed: number | undefined;
  /** Where image n goes: see `renderOutputPath` and `builtinVariables`. */
  readonly outputPath: TemplateField;
  /** What is made of each image: the main output (with this size's exact resize), derivatives, sidecar. */
  readonly output: {
    readonly main: ImageSpec;
    readonly derivatives: ReadonlyArray<{ readonly name: string; readonly spec: ImageSpec }>;
    readonly derivativePath: TemplateField;
    readonly sidecar: boolean;
    /** A hash of all the above and the paths: outputs made with other settings are made again (from the original, not fal). */
    readonly settingsKey: string;
  };
}

/** A local file to upload once, whatever number of jobs use it. */
export interface Upload {
  readonly sha256: string;
  readonly path: string;
  readonly contentType: string;
  readonly bytes: number;
}

/** Everything a run will do, decided from the manifest alone. */
export interface Plan {
  readonly name: string;
  /** The manifest's own model (jobs may use another). */
  readonly endpoint: EndpointDefinition;
  readonly jobs: readonly Job[];
  readonly uploads: readonly Upload[];
  /** Estimated cost in USD, from the fewest and most images. */
  readonly estimatedCostUsd: { readonly min: number; readonly max: number };
  /** The price per image of each endpoint the jobs use, and where it came from (see `repricePlan`). */
  readonly prices: readonly EndpointPrice[];
  /** Jobs in the manifest before `--only` / `--limit`. */
  readonly totalJobs: number;
  readonly warnings: readonly string[];
  /** Rows left out because their values are invalid (`on_invalid_row: skip`), with why. */
  readonly skipped: readonly SkippedRow[];
}

/**
 * Where an endpoint's price per image came from: fal's pricing endpoint now (`fal`), the state
 * folder's copy of its answer (`cache`, at most a day old), the manifest's `prices`, or the
 * built-in table.
 */
export type PriceSource = "fal" | "cache" | "manifest" | "built-in" | "none";

/** The price per image a plan uses for one endpoint, and where it came from. */
export interface EndpointPrice {
  readonly endpointId: string;
  readonly unitPriceUsd: number;
  readonly source: PriceSource;
  /** When fal answered it (epoch ms), for `fal` and `cache`. */
  readonly fetchedAt?: number;
  /** Why fal's price is not used, when fal was asked (or could not be) and gave none. */
  readonly note?: string;
}

/** A price fal's pricing endpoint gave (now, or cached), or why the fallback is used. */
export interface PriceAnswer {
  readonly unitPriceUsd: number;
  readonly source: "fal" | "cache" | "built-in";
  readonly fetchedAt?: number;
  readonly note?: string;
}
