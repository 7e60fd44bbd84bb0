import type { ImageRecord, SavedImage } from "../model/image-record.js";
import type { PendingRender } from "../model/kept-image.js";
import { deliveryOfRecipe, renderKept } from "../outputs/index.js";

/** Runs image work as it comes: the render pool already bounds how many images run at once. */
const direct = <T>(fn: () => Promise<T>): Promise<T> => fn();

/** The journal's record of an image rendered with `settings`. */
function renderedRecord(n: number, s: SavedImage, settings: string): ImageRecord {
  return {
    n,
    path: s.path,
    sha256: s.sha256,
    bytes: s.bytes,
    width: s.width,
    height: s.height,
    contentType: s.contentType,
    sourceUrl: s.sourceUrl,
    original: s.original,
    settings,
    derivatives: s.derivatives,
    ...(s.stamp === undefined ? {} : { stamp: s.stamp }),
  };
}

/**
 * Renders one kept image as its recipe says, from its original under `.state/originals/` (no
 * call to fal): the main output, the derivatives and the sidecar, each written atomically.
 * Returns the record for the journal; throws when the original is gone or not what was kept, or
 * a recipe path is unsafe.
 */
export async function renderPending(outputDir: string, pending: PendingRender): Promise<ImageRecord> {
  const delivery = deliveryOfRecipe(pending.recipe, pending.n, pending.original.ext);
  const saved = await renderKept(outputDir, pending, delivery, direct);
  return renderedRecord(pending.n, saved, pending.recipe.settings);
}
