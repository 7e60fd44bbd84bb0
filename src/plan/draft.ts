import type { EndpointDefinition, ImageSizeValue } from "../endpoints/index.js";
import type { JobTemplate, Located, Row } from "../manifest/types.js";
import type { IssueList } from "./issues.js";

/** One job after expansion, before keys and output paths. */
export interface JobDraft {
  readonly id: string;
  readonly template: JobTemplate;
  readonly row: Row;
  readonly endpoint: EndpointDefinition;
  readonly sizeName: string;
  readonly sizeValue: ImageSizeValue;
  readonly seed: number | undefined;
  /** The exact fal input except `image_urls`, keys in the order the API pages show them. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The input images in figure order, by key (an absolute path, or the URL itself). */
  readonly imageKeys: readonly string[];
}

/** Where a local image is first used, to locate a failure to resolve it. */
export interface ImageUse {
  /** As written (after templating), for messages and the report. */
  readonly source: string;
  readonly at: Located;
}

/** What expanding a manifest gives: the jobs, and what was found on the way. */
export interface Expansion {
  /** Every job the manifest makes, in order. */
  readonly drafts: readonly JobDraft[];
  readonly issues: IssueList;
  /** Every local image the drafts name, by absolute path (URLs need no entry). */
  readonly imageUses: ReadonlyMap<string, ImageUse>;
  /** Things that will run but may surprise (a filter matching no row, an empty value). */
  readonly warnings: readonly string[];
}
