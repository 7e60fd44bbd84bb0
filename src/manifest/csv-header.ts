import type { EndpointDefinition } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import type { ManifestModels } from "./models.js";
import { closest } from "./suggest.js";

/** Columns a standalone CSV row sets through its own fields, not as endpoint inputs. */
export const OWN_COLUMNS = ["id", "prompt", "image_urls", "image_size", "model"];

/**
 * Checks a standalone CSV's header: unknown columns (with a hint), required ones missing, and
 * where the model comes from (`--model` or a `model` column). Returns the fallback model.
 */
export function checkCsvHeader(
  columns: readonly string[],
  file: string,
  model: string | undefined,
  models: ManifestModels,
  issues: ManifestIssue[],
): EndpointDefinition | undefined {
  const at = (column: number, field: string) => ({ file, line: 1, column, field });
  const known = [...new Set([...OWN_COLUMNS, ...models.all().flatMap((e) => Object.keys(e.inputs))])];
  const missing = ["prompt", "image_urls"].filter((c) => !columns.includes(c));
  const unknown = columns.filter((c) => !known.includes(c));
  for (const [i, column] of columns.entries()) {
    if (known.includes(column)) continue;
    const meant = closest(column, known);
    // A misspelt required column is one mistake: said once, where it is.
    const required = meant !== undefined && missing.includes(meant) ? ` (\`${meant}\` is required)` : "";
    const hint = meant === undefined ? "" : `, did you mean \`${meant}\`?`;
    issues.push({ ...at(i + 1, column), message: `unknown column \`${column}\`${hint}${required}` });
  }
  for (const required of missing)
    if (!unknown.some((c) => closest(c, known) === required))
      issues.push({
        ...at(1, ""),
        message: `missing column \`${required}\`; the header has ${columns.map((c) => `\`${c}\``).join(", ")}`,
      });
  if (model === undefined) {
    if (!columns.includes("model"))
      issues.push({ ...at(1, ""), message: "no model: pass --model or add a `model` column" });
    return undefined;
  }
  const fallback = models.find(model);
  if (!fallback) issues.push({ ...at(1, "--model"), message: models.unknown(model) });
  return fallback;
}
