import { secretRefusal } from "./env-access.js";
import { didYouMean } from "./suggest.js";

/** A filter applied to a variable's value: `{{ sku | slug }}`. */
export type FilterName = "slug";

/** One piece of a compiled template: literal text, or a variable to fill in. */
type Part =
  | { readonly text: string }
  | { readonly variable: string; readonly offset: number; readonly filters: readonly FilterName[] };

/** A parsed `{{ variable }}` template. No code runs: only names are looked up. */
export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
  /** Every variable named, in order of first use. */
  readonly variables: readonly string[];
}

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^(env\.)?[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * A safe file-name part: accents dropped, lower case, every run of anything but letters,
 * digits, `.`, `_` and `-` (a `/`, a space) made one `-`, none at either end.
 * @example slug("SKU 12/Red Édition") === "sku-12-red-edition"
 */
export function slug(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
}

const FILTERS: Readonly<Record<FilterName, (value: string) => string>> = { slug };

/** A template error: the character offset in the source and why. */
export interface TemplateSyntaxError {
  readonly offset: number;
  readonly message: string;
}

function parseTag(tag: string, body: string): { name: string; filters: FilterName[] } | string {
  const [name = "", ...rest] = body.split("|").map((s) => s.trim());
  if (!NAME.test(name)) return `\`${tag}\` is not a variable: use {{name}}, {{name | slug}} or {{env.NAME}}`;
  // Refused here, not only where the manifest's list is known: no list can allow a credential.
  const secret = name.startsWith("env.") ? secretRefusal(name.slice(4)) : undefined;
  if (secret) return `\`${tag}\`: ${secret}`;
  const filters: FilterName[] = [];
  for (const filter of rest) {
    if (!(filter in FILTERS))
      return `\`${tag}\`: unknown filter \`${filter}\`${didYouMean(filter, Object.keys(FILTERS)) || `; filters: ${Object.keys(FILTERS).join(", ")}`}`;
    filters.push(filter as FilterName);
  }
  return { name, filters };
}

/**
 * Compiles `text`: `{{ name }}` is a variable (a row column or a built-in such as `size`),
 * `{{ name | slug }}` the same made safe for a file name, `{{ env.NAME }}` an environment
 * variable (never a credential; which others is `envRefusal`'s rule). Anything else between braces is an error.
 */
export function compileTemplate(text: string): Template | TemplateSyntaxError {
  const parts: Part[] = [];
  const variables: string[] = [];
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    const offset = m.index ?? 0;
    const tag = parseTag(m[0], m[1] ?? "");
    if (typeof tag === "string") return { offset, message: tag };
    if (offset > last) parts.push({ text: text.slice(last, offset) });
    parts.push({ variable: tag.name, offset, filters: tag.filters });
    if (!variables.includes(tag.name)) variables.push(tag.name);
    last = offset + m[0].length;
  }
  const rest = text.slice(last);
  const stray = rest.indexOf("{{") >= 0 ? rest.indexOf("{{") : rest.indexOf("}}");
  if (stray >= 0) return { offset: last + stray, message: "unbalanced `{{` or `}}`" };
  if (rest) parts.push({ text: rest });
  return { source: text, parts, variables };
}

export function isTemplateError(t: Template | TemplateSyntaxError): t is TemplateSyntaxError {
  return "message" in t;
}

/**
 * Fills a template. `lookup` returns a variable's value, or undefined when it has none;
 * the first missing variable is returned instead of a string. `onEmpty` hears of each variable
 * whose value (after its filters) is empty, for a warning.
 */
export function renderTemplate(
  template: Template,
  lookup: (name: string) => string | undefined,
  onEmpty?: (name: string) => void,
): string | { readonly missing: string } {
  let out = "";
  for (const part of template.parts) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    let value = lookup(part.variable);
    if (value === undefined) return { missing: part.variable };
    for (const filter of part.filters) value = FILTERS[filter](value);
    if (value === "" && onEmpty) onEmpty(part.variable);
    out += value;
  }
  return out;
}
