import { posix } from "node:path";
import { renderTemplate } from "../manifest/template.js";
import type { TemplateField } from "../manifest/types.js";

/** Built-in variables an output path may use beside the row's. */
export const OUTPUT_VARIABLES = ["job", "size", "seed", "prompt", "model", "n", "ext"] as const;

/**
 * Renders an output path for image `n` (1-based) with extension `ext`; returns undefined when a
 * variable is missing. The path is relative to the pipeline's output folder, `/`-separated.
 */
export function renderOutputPath(
  field: TemplateField,
  vars: Readonly<Record<string, string>>,
  n: number,
  ext: string,
): string | { readonly missing: string } {
  const result = renderTemplate(field.template, (name) => {
    if (name === "n") return String(n);
    if (name === "ext") return ext;
    return vars[name];
  });
  return typeof result === "string" ? posix.normalize(result.replace(/\\/g, "/")) : result;
}

/** Why a rendered output path cannot be used, or undefined when it can. */
export function unsafeOutputPath(path: string): string | undefined {
  if (posix.isAbsolute(path) || /^[A-Za-z]:/.test(path))
    return `\`${path}\` is absolute; output paths stay under the output folder`;
  if (path === ".." || path.startsWith("../")) return `\`${path}\` leaves the output folder`;
  if (path === "." || path.endsWith("/")) return `\`${path}\` names a folder, not a file`;
  if (path.split("/").some((seg) => seg.startsWith(".state") || seg === "report.json"))
    return `\`${path}\` would overwrite the run's own files`;
  return undefined;
}
