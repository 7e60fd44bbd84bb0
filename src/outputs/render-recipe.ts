import { posix } from "node:path";
import type { ImageSpec } from "../manifest/types.js";
import type { RenderRecipe } from "../model/kept-image.js";
import { unsafeOutputPath } from "../plan/output-path.js";
import type { Delivery } from "./deliver-image.js";

const EXT: Readonly<Record<string, string>> = { jpeg: "jpg", png: "png", webp: "webp", avif: "avif" };

/** The extension an output in `spec` gets from an original of extension `originalExt`. */
export function outputExt(spec: ImageSpec, originalExt: string): string {
  return spec.format === "original" ? originalExt : (EXT[spec.format] ?? spec.format);
}

/** The recipe of a delivery, its paths resolved for an original of extension `originalExt`. */
export function recipeOf(
  delivery: Delivery,
  job: string,
  settings: string,
  originalExt: string,
): RenderRecipe {
  return {
    job,
    settings,
    main: { spec: delivery.main, path: delivery.pathFor(outputExt(delivery.main, originalExt)) },
    derivatives: delivery.derivatives.map((d) => ({
      name: d.name,
      spec: d.spec,
      path: d.pathFor(outputExt(d.spec, originalExt)),
    })),
    ...(delivery.sidecar === undefined ? {} : { sidecar: delivery.sidecar }),
  };
}

/** `path` with another extension (an output whose real format differed from the one planned). */
const withExt = (path: string, planned: string, ext: string) =>
  ext === planned || !path.endsWith(`.${planned}`) ? path : `${path.slice(0, -planned.length)}${ext}`;

/** A recipe's path, checked: the journal is read as untrusted input, and these are written to. */
function safePath(path: unknown): string {
  if (typeof path !== "string" || path === "") throw new Error("a render recipe has no output path");
  const normal = posix.normalize(path);
  const unsafe = unsafeOutputPath(normal);
  if (unsafe !== undefined || normal !== path) throw new Error(unsafe ?? `\`${path}\` is not a plain path`);
  return normal;
}

const FORMATS = new Set(["original", "png", "jpeg", "webp", "avif"]);

/** A recipe's image spec, checked for the field that picks the encoder (the rest sharp checks). */
function specOf(spec: object): ImageSpec {
  const format = (spec as { format?: unknown }).format;
  if (typeof format !== "string" || !FORMATS.has(format))
    throw new Error(`a render recipe names no known format (${JSON.stringify(format)})`);
  return spec as ImageSpec;
}

/**
 * The delivery a recipe describes, for image `n`. Throws (naming the path) when a path would
 * leave the output folder or overwrite the run's own files.
 */
export function deliveryOfRecipe(recipe: RenderRecipe, n: number, originalExt: string): Delivery {
  const main = safePath(recipe.main.path);
  const mainSpec = specOf(recipe.main.spec);
  const mainExt = outputExt(mainSpec, originalExt);
  return {
    n,
    main: mainSpec,
    pathFor: (ext) => withExt(main, mainExt, ext),
    derivatives: recipe.derivatives.map((d) => {
      const path = safePath(d.path);
      const spec = specOf(d.spec);
      const planned = outputExt(spec, originalExt);
      return { name: d.name, spec, pathFor: (ext: string) => withExt(path, planned, ext) };
    }),
    sidecar: recipe.sidecar,
  };
}
