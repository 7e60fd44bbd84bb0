import { closest } from "../manifest/suggest.js";
import type { JobTemplate, Located, Manifest, TemplateField } from "../manifest/types.js";

const where = (at: Located): string => `${at.file}:${at.line}:${at.column}: ${at.field}`;

/** At most `max` items, then `…`. */
function some(items: readonly (string | number)[], max: number): string {
  return items.length > max ? `${items.slice(0, max).join(", ")}, …` : items.join(", ");
}

/**
 * The warning for a job whose `when` matches no row: what it asked for and, for each column,
 * the values the rows hold, so `Active` against `active` is seen at once. Undefined when the
 * job has no filter.
 */
export function unmatchedFilter(template: JobTemplate, manifest: Manifest): string | undefined {
  const columns = Object.keys(template.when);
  if (columns.length === 0) return undefined;
  const count = manifest.rows.length === 1 ? "the 1 row" : `the ${manifest.rows.length} rows`;
  const rows = manifest.rowsFile ? `${count} of ${manifest.rowsFile}` : count;
  const parts = columns.map((column) => {
    const wanted = template.when[column] as readonly string[];
    const seen = [...new Set(manifest.rows.flatMap((r) => r.vars[column] ?? []))];
    // The nightly traps are case or spaces (`Active` for `active`) and a typo (`activ`).
    const loose = (v: string) => v.trim().toLowerCase();
    const hint =
      seen.find((v) => !wanted.includes(v) && wanted.some((w) => loose(w) === loose(v))) ??
      // A one- or two-letter value is one edit from any other: no hint there.
      wanted
        .map((w) => (w.length > 2 ? closest(w, seen) : undefined))
        .find((v) => v !== undefined && !wanted.includes(v));
    const values =
      seen.length === 0
        ? "none"
        : some(
            seen.map((v) => (v === "" ? "(empty)" : v)),
            10,
          );
    return `\`${column}\` is ${wanted.join(" or ")}, values seen: ${values}${hint ? ` (did you mean \`${hint}\`?)` : ""}`;
  });
  return `${where(template.whenAt ?? template.at)}: matches none of ${rows}, so this job makes nothing: ${parts.join("; ")}`;
}

/** Template values that came out empty, gathered into one warning per template and column. */
export class EmptyValues {
  readonly #seen = new Map<string, { at: Located; name: string; rows: number[] }>();

  add(field: TemplateField, name: string, row: number): void {
    const key = `${where(field.at)}|${name}`;
    const entry = this.#seen.get(key);
    if (!entry) this.#seen.set(key, { at: field.at, name, rows: [row] });
    else if (entry.rows[entry.rows.length - 1] !== row) entry.rows.push(row);
  }

  warnings(): string[] {
    return [...this.#seen.values()].map(({ at, name, rows }) => {
      const which = rows.length === 1 ? `row ${rows[0]}` : `${rows.length} rows (${some(rows, 5)})`;
      return `${where(at)}: \`{{${name}}}\` is empty in ${which}`;
    });
  }
}
