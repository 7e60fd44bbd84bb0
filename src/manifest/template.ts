/** One piece of a compiled template: literal text, or a variable to fill in. */
type Part = { readonly text: string } | { readonly variable: string; readonly offset: number };

/** A parsed `{{ variable }}` template. No code runs: only names are looked up. */
export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
  /** Every variable named, in order of first use. */
  readonly variables: readonly string[];
}

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^(env\.)?[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A template error: the character offset in the source and why. */
export interface TemplateSyntaxError {
  readonly offset: number;
  readonly message: string;
}

/**
 * Compiles `text`: `{{ name }}` is a variable (a row column or a built-in such as `size`),
 * `{{ env.NAME }}` an environment variable. Anything else between braces is an error.
 */
export function compileTemplate(text: string): Template | TemplateSyntaxError {
  const parts: Part[] = [];
  const variables: string[] = [];
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    const name = m[1] ?? "";
    const offset = m.index ?? 0;
    if (!NAME.test(name))
      return { offset, message: `\`${m[0]}\` is not a variable: use {{name}} or {{env.NAME}}` };
    if (offset > last) parts.push({ text: text.slice(last, offset) });
    parts.push({ variable: name, offset });
    if (!variables.includes(name)) variables.push(name);
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
 * the first missing variable is returned instead of a string.
 */
export function renderTemplate(
  template: Template,
  lookup: (name: string) => string | undefined,
): string | { readonly missing: string } {
  let out = "";
  for (const part of template.parts) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    const value = lookup(part.variable);
    if (value === undefined) return { missing: part.variable };
    out += value;
  }
  return out;
}
