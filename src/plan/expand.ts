import { dirname } from "node:path";
import { sizeInput, validateEndpointInput } from "../endpoints/index.js";
import { didYouMean, hintOrList } from "../manifest/suggest.js";
import { renderTemplate } from "../manifest/template.js";
import type { JobTemplate, Located, Manifest, Row, SizeVariant, TemplateField } from "../manifest/types.js";
import { checkedExt, OutputPathChecker } from "./check-output-path.js";
import type { Expansion, ImageUse, JobDraft } from "./draft.js";
import { EmptyValues, unmatchedFilter } from "./expand-warnings.js";
import { imageKey } from "./image-key.js";
import { IssueList } from "./issues.js";
import { orderInput } from "./order-input.js";

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The jobs of one template, row, size and seed share everything in their input but the prompt. */
interface Variant {
  readonly size: SizeVariant;
  readonly seed: number | undefined;
  /** The input without the prompt, in API-page order. */
  readonly rest: Readonly<Record<string, unknown>>;
}

class Expander {
  readonly issues = new IssueList();
  readonly imageUses = new Map<string, ImageUse>();
  readonly warnings: string[] = [];
  readonly empties = new EmptyValues();
  readonly #columns: Set<string>;
  readonly #paths: OutputPathChecker;
  /** Endpoint checks already made, by template, variant and image count: they do not depend on the row. */
  readonly #checked = new Set<string>();

  constructor(readonly manifest: Manifest) {
    this.#columns = new Set();
    for (const row of manifest.rows) for (const k in row.vars) this.#columns.add(k);
    this.#paths = new OutputPathChecker(
      manifest.outputPath,
      this.#columns,
      this.issues,
      this.empties,
      checkedExt(manifest.output.main.format),
    );
  }

  /** A "did you mean" for a name that is not a column, or the list of the columns there are. */
  #hint(name: string, names: readonly string[]): string {
    return this.#columns.size === 0 ? didYouMean(name, names) : hintOrList(name, names, "columns");
  }

  /** Renders a template for a row; reports a missing variable where it helps most. */
  render(
    field: TemplateField,
    row: Row,
    extra?: Readonly<Record<string, string>>,
    warnEmpty = true,
  ): string | undefined {
    const env = this.manifest.env;
    const result = renderTemplate(
      field.template,
      (name) => (name.startsWith("env.") ? env[name.slice(4)] : (extra?.[name] ?? row.vars[name])),
      (name) => {
        if (warnEmpty && !(extra && name in extra) && name in row.vars)
          this.empties.add(field, name, row.index);
      },
    );
    if (typeof result === "string") return result;
    const name = result.missing;
    if (name.startsWith("env."))
      this.issues.add(field.at, `environment variable ${name.slice(4)} is not set`);
    else if (!this.#columns.has(name) && !(extra && name in extra)) {
      const where = this.manifest.rowsFile
        ? `a column of ${this.manifest.rowsFile}`
        : "a variable of any row";
      this.issues.add(
        field.at,
        `\`{{${name}}}\` is not ${where}${this.#hint(name, [...this.#columns, ...Object.keys(extra ?? {})])}`,
      );
    } else
      this.issues.add(
        row.at,
        `row ${row.index} has no value for \`${name}\`, used by ${field.at.field}`,
        row.at.field,
        row.index,
      );
    return undefined;
  }

  matches(template: JobTemplate, row: Row): boolean {
    for (const column in template.when) {
      if (!this.#columns.has(column)) {
        this.issues.add(
          template.whenAt ?? template.at,
          `\`${column}\` is not a column${this.manifest.rowsFile ? ` of ${this.manifest.rowsFile}` : ""}${this.#hint(column, [...this.#columns])}`,
          `${template.at.field}.when.${column}`,
        );
        return false;
      }
      const value = row.vars[column];
      if (value === undefined || !(template.when[column] as readonly string[]).includes(value)) return false;
    }
    return true;
  }

  /** Where a problem with a rendered source is best shown: the CSV cell it came from, if any. */
  #sourceAt(field: TemplateField, row: Row): Located {
    const variable = field.template.variables.find((v) => !v.startsWith("env.") && v in row.vars);
    return variable === undefined ? field.at : row.cellAt(variable);
  }

  /**
   * The folder a rendered image path resolves against: the rows file's (or `rows.base`) when
   * the path starts with a value from it, else the manifest's.
   */
  #folderOf(field: TemplateField, row: Row): string {
    const first = field.template.parts[0];
    const fromRows = first !== undefined && "variable" in first && first.variable in row.vars;
    return fromRows && this.manifest.rowsBase !== undefined
      ? this.manifest.rowsBase
      : dirname(this.manifest.file);
  }

  images(fields: readonly TemplateField[], row: Row): string[] | undefined {
    const keys: string[] = [];
    let ok = true;
    for (const field of fields) {
      // An empty image is an error of its own (below, or a file not found): no warning too.
      const rendered = this.render(field, row, undefined, false);
      if (rendered === undefined) {
        ok = false;
        continue;
      }
      const source = rendered.trim();
      const at = this.#sourceAt(field, row);
      if (source === "") {
        this.issues.add(at, `empty image reference (used by ${field.at.field})`, at.field, row.index);
        ok = false;
        continue;
      }
      const key = imageKey(this.#folderOf(field, row), source);
      if (key.kind === "invalid") {
        this.issues.add(at, key.message, at.field, row.index);
        ok = false;
        continue;
      }
      // Only files are read (URLs pass through and cannot fail here), so only they are recorded.
      if (key.kind === "file" && !this.imageUses.has(key.key)) this.imageUses.set(key.key, { source, at });
      keys.push(key.key);
    }
    return ok ? keys : undefined;
  }

  #variants(template: JobTemplate): Variant[] {
    const variants: Variant[] = [];
    for (const size of template.sizes)
      for (const seed of template.seeds ?? [undefined]) {
        // A size the schema has no place for was reported by the reader: nothing to send.
        const mapped = sizeInput(template.endpoint, size.value);
        const rest = orderInput(template.endpoint, {
          prompt: "",
          ...("fields" in mapped ? mapped.fields : {}),
          ...template.input,
          ...(seed === undefined ? {} : { seed }),
        });
        delete rest.prompt;
        variants.push({ size, seed, rest });
      }
    return variants;
  }

  // One loop over templates × rows × variants; it reads long, but splitting it would scatter
  // the order in which a row's issues are found, which decides what the user sees first.
  expand(): JobDraft[] {
    const drafts: JobDraft[] = [];
    // id → the row that made it, for the duplicate message; rows, not drafts, to keep it small.
    const byId = new Map<string, number>();
    for (const template of this.manifest.jobs) {
      const variants = this.#variants(template);
      const imageFields = template.images.flatMap((e) => (e.kind === "set" ? e.sources : [e.source]));
      const promptExtra = { prompt: template.promptName };
      // An id that names {{size}} or {{seed}} is rendered per variant; otherwise once per row.
      const perVariant = template.idNamesSize || template.idNamesSeed;
      let matched = 0;
      for (const row of this.manifest.rows) {
        if (!this.matches(template, row)) continue;
        matched += 1;
        const baseId = perVariant ? "" : this.render(template.id, row, promptExtra);
        const prompt = this.render(template.prompt, row);
        const imageKeys = this.images(imageFields, row);
        if (baseId === undefined || prompt === undefined || imageKeys === undefined) continue;
        const most = template.endpoint.maxInputImages;
        if (imageKeys.length > most)
          this.issues.add(
            template.imagesAt,
            template.endpoint.imageField.list
              ? `${imageKeys.length} input images; ${template.endpoint.model} takes at most ${most} (fal would silently drop the first ${imageKeys.length - most})`
              : `${imageKeys.length} input images; ${template.endpoint.model} takes one (\`${template.endpoint.imageField.name}\`)`,
          );
        for (const variant of variants) {
          const seedText = variant.seed === undefined ? "" : String(variant.seed);
          let id = perVariant
            ? this.render(template.id, row, { ...promptExtra, size: variant.size.name, seed: seedText })
            : baseId;
          if (id === undefined) continue;
          if (!template.idNamesSize) id += `-${variant.size.name}`;
          if (variant.seed !== undefined && !template.idNamesSeed) id += `-seed${variant.seed}`;
          if (!ID.test(id)) {
            this.issues.add(
              template.id.at,
              `job id \`${id}\` (row ${row.index}) may only hold letters, digits, '.', '_' and '-'`,
              template.id.at.field,
              row.index,
            );
            continue;
          }
          const input = { prompt, ...variant.rest };
          this.#checkInput(template, variant, input, imageKeys.length);
          const twinRow = byId.get(id);
          if (twinRow !== undefined) {
            this.issues.add(
              template.id.at,
              `duplicate job id \`${id}\` (row ${row.index}); row ${twinRow} makes it too`,
              template.id.at.field,
              row.index,
            );
            continue;
          }
          const draft: JobDraft = {
            id,
            template,
            row,
            endpoint: template.endpoint,
            sizeName: variant.size.name,
            sizeValue: variant.size.value,
            seed: variant.seed,
            input,
            imageKeys,
          };
          byId.set(id, row.index);
          this.#paths.check(draft);
          drafts.push(draft);
        }
      }
      if (matched === 0 && this.issues.size === 0) {
        const warning = unmatchedFilter(template, this.manifest);
        if (warning) this.warnings.push(warning);
      }
    }
    this.#paths.finish();
    return drafts;
  }

  #checkInput(
    template: JobTemplate,
    variant: Variant,
    input: Record<string, unknown>,
    imageCount: number,
  ): void {
    // Only the prompt and the image count vary by row, and a string prompt is always valid.
    const key = `${template.index}|${variant.size.name}|${variant.seed}|${imageCount}`;
    if (this.#checked.has(key)) return;
    this.#checked.add(key);
    const images = template.endpoint.imageField;
    const placeholders = Array.from(
      { length: Math.min(imageCount, template.endpoint.maxInputImages) },
      () => "x",
    );
    const mapped = sizeInput(template.endpoint, variant.size.value);
    const sizeFields = "fields" in mapped ? Object.keys(mapped.fields) : [];
    const sent = { ...input, [images.name]: images.list ? placeholders : "x" };
    for (const e of validateEndpointInput(template.endpoint, sent)) {
      const field = String(e.loc[1] ?? "");
      // The images, the prompt and the size were checked where they are written.
      if (field === images.name || field === "prompt" || sizeFields.includes(field)) continue;
      this.issues.add(template.inputAt[field] ?? template.at, `${e.msg} (model ${template.endpoint.model})`);
    }
  }
}

/**
 * Expands a manifest's job templates over its rows, size variants and seeds, checking what only
 * the expansion shows: templates over every row, job ids, output paths. Pure: the same manifest
 * gives the same drafts and issues, each located at the template or the CSV cell it comes from.
 */
export function expandManifest(manifest: Manifest): Expansion {
  const expander = new Expander(manifest);
  const drafts = expander.expand();
  return {
    drafts,
    issues: expander.issues,
    imageUses: expander.imageUses,
    warnings: [...expander.warnings, ...expander.empties.warnings()],
  };
}
