import type { z } from "zod";

/** The value at a path of the raw data, for messages. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const seg of path)
    v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

/** What a value is, as the manifest's author wrote it. */
function described(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `\`${value.length > 40 ? `${value.slice(0, 40)}…` : value}\``;
  return `\`${String(value)}\``;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

/**
 * A schema issue in the author's terms (zod's own wording names JavaScript types), with the
 * value found. `source` is the text where the value starts, to spot an unquoted `{{template}}`
 * (which YAML reads as a mapping).
 */
export function schemaMessage(issue: z.core.$ZodIssue, value: unknown, source: string): string {
  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      const quote =
        issue.expected === "string" && source.startsWith("{{")
          ? ': a value that starts with `{{` must be in quotes, e.g. "{{name}} …"'
          : "";
      return value === undefined
        ? `required: expected ${expected}`
        : `expected ${expected}, got ${described(value)}${quote}`;
    }
    case "invalid_value":
      return `expected ${issue.values.map((v) => String(v)).join(" or ")}, got ${described(value)}`;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      if (issue.origin === "array")
        return `needs at ${small ? "least" : "most"} ${bound} item${bound === 1 ? "" : "s"}`;
      if (issue.origin === "string")
        return small ? "must not be empty" : `is longer than ${bound} characters`;
      const relation = small
        ? issue.inclusive
          ? "at least"
          : "more than"
        : issue.inclusive
          ? "at most"
          : "less than";
      return `must be ${relation} ${bound}, got ${described(value)}`;
    }
    default:
      return issue.message;
  }
}
