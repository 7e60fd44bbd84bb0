/** Field separators a rows file may use. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** How a delimiter is named in messages: `";" (semicolon)`. */
export function delimiterName(d: Delimiter): string {
  return d === "\t" ? "tab" : `"${d}" (${d === ";" ? "semicolon" : d === "|" ? "bar" : "comma"})`;
}

/**
 * The field separator of a CSV, found from its header line: the candidate that occurs most
 * outside quotes (Excel writes `;` in many locales). A comma when none occurs.
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = new Map<Delimiter, number>();
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(ch))
      counts.set(ch as Delimiter, (counts.get(ch as Delimiter) ?? 0) + 1);
  }
  let best: Delimiter = ",";
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/**
 * Where the quote that is never closed opens (1-based line and field number), found by
 * walking the text as a CSV reader does. Undefined when every quote closes.
 */
export function unclosedQuote(text: string, delimiter: string): { line: number; field: number } | undefined {
  let line = 1;
  let field = 1;
  let atFieldStart = true;
  let open: { line: number; field: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (open) {
      if (ch === "\n") line += 1;
      else if (ch === '"') {
        if (text[i + 1] === '"') i += 1;
        else {
          open = undefined;
          atFieldStart = false;
        }
      }
      continue;
    }
    if (i === 0 && ch === "\ufeff") continue;
    if (ch === '"' && atFieldStart) {
      open = { line, field };
      continue;
    }
    atFieldStart = false;
    if (ch === delimiter) {
      field += 1;
      atFieldStart = true;
    } else if (ch === "\n") {
      line += 1;
      field = 1;
      atFieldStart = true;
    } else if (ch === "\r") atFieldStart = true;
  }
  return open;
}
