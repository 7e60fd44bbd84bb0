import { type LineCounter, Parser, type YAMLError } from "yaml";
import type { ManifestIssue } from "../errors.js";

/** The YAML library's wording, by its code and message, said as a manifest's author thinks of it. */
function reword(error: YAMLError, text: string): string {
  const message = error.message.split("\n")[0] ?? "";
  const lineStart = text.lastIndexOf("\n", error.pos[0] - 1) + 1;
  const lineEnd = text.indexOf("\n", lineStart);
  const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
  // `prompt: {{name}} on white` reads as a flow mapping followed by stray text.
  if (/(^|:\s|-\s)\{\{/.test(line) && error.code !== "TAB_AS_INDENT")
    return 'a value that starts with `{{` must be in quotes, e.g. "{{name}} on white"';
  switch (error.code) {
    case "TAB_AS_INDENT":
      return "a tab in the indentation: indent with spaces";
    case "DUPLICATE_KEY": {
      const key = /^\s*([^:#]+?)\s*:/.exec(text.slice(error.pos[0]))?.[1];
      return `${key ? `\`${key}\`` : "this key"} is set twice: each key may appear once in a mapping`;
    }
    case "MULTIPLE_DOCS":
      return "a manifest is one YAML document: remove the `---` that starts another";
    case "BLOCK_AS_IMPLICIT_KEY":
      return "this value holds `: ` (a colon and a space), perhaps on a next line indented deeper than the keys: quote the value, or line up the keys of one mapping";
    case "MULTILINE_IMPLICIT_KEY":
      return "expected `key: value` here: a line without `:`, or a list item `- ` where keys were expected";
    case "BAD_INDENT":
      if (message.startsWith("Flow sequence")) return "a list opened with `[` is not closed with `]`";
      if (message.startsWith("Flow map")) return "a mapping opened with `{` is not closed with `}`";
      if (message.startsWith("All mapping items"))
        return "this line is indented differently from the keys above it: keys of one mapping start in the same column (a list item needs `- ` in front)";
      return `wrong indentation (${message})`;
    case "MISSING_CHAR":
      if (message.startsWith("Missing closing")) return "a quoted value opens here and is never closed";
      if (message.startsWith("Sequence item without"))
        return "this line is inside a list but has no `- ` in front; add `- `, or indent it under the item above";
      if (message.startsWith("Implicit map keys")) return "a key without a value: expected `key: value`";
      return `missing a character (${message})`;
    case "UNEXPECTED_TOKEN":
      if (message.includes("block-seq-ind"))
        return "a list item `- ` on a line where `key: value` was expected";
      if (message.includes("scalar at node end"))
        return "unexpected text after a value: a quote inside a quoted value? double it ('it''s') or use the other quotes";
      return `unexpected text (${message})`;
    default:
      return message;
  }
}

/** Whether a quoted scalar's source ends with its closing quote (`""` and `\\"` are not one). */
function closed(source: string): boolean {
  const quote = source[0];
  if (source.length < 2 || !source.endsWith(quote ?? "")) return false;
  if (quote === "'") return true;
  let backslashes = 0;
  for (let i = source.length - 2; i > 0 && source[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 0;
}

/**
 * Where the quoted value that is never closed opens: the parser trips at the end of the file,
 * where the quote swallowed everything after it, but the mistake is where it starts.
 */
function unclosedQuoteAt(text: string, before: number): number | undefined {
  let found: number | undefined;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const token = node as { type?: unknown; offset?: unknown; source?: unknown };
    if (
      (token.type === "double-quoted-scalar" || token.type === "single-quoted-scalar") &&
      typeof token.offset === "number" &&
      typeof token.source === "string" &&
      token.offset <= before &&
      !closed(token.source.trimEnd())
    )
      found = Math.max(found ?? -1, token.offset);
    for (const [key, value] of Object.entries(node)) if (key !== "source") visit(value);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return found;
}

/**
 * The YAML library's syntax errors as manifest issues, in the author's terms, with their
 * position. One per line: a mistake often makes the parser trip several times on the same line.
 */
export function yamlSyntaxIssues(
  errors: readonly YAMLError[],
  text: string,
  file: string,
  lineCounter: LineCounter,
): ManifestIssue[] {
  const byLine = new Map<number, ManifestIssue>();
  for (const error of errors) {
    const quoted =
      error.code === "MISSING_CHAR" && error.message.startsWith("Missing closing")
        ? unclosedQuoteAt(text, error.pos[0])
        : undefined;
    const p = lineCounter.linePos(quoted ?? error.pos[0]);
    if (byLine.has(p.line)) continue;
    byLine.set(p.line, {
      file,
      line: p.line,
      column: p.col,
      field: "",
      message: `YAML: ${reword(error, text)}`,
    });
  }
  return [...byLine.values()];
}
