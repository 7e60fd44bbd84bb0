import { type EndpointDefinition, type ImageSizeValue, validateEndpointInput } from "../endpoints/index.js";
import { didYouMean } from "../manifest/suggest.js";
import { renderTemplate } from "../manifest/template.js";
import type { JobTemplate, Located, Manifest, Row, TemplateField } from "../manifest/types.js";
import { imageKey } from "./image-key.js";
import { IssueList } from "./issues.js";
import { OUTPUT_VARIABLES, renderOutputPath, unsafeOutputPath } from "./output-path.js";

/** One job after expansion, before keys and output paths. */
export interface JobDraft {
  readonly id: string;
  readonly template: JobTemplate;
  readonly row: Row;
  readonly endpoint: EndpointDefinition;
  readonly sizeName: string;
  readonly sizeValue: ImageSizeValue;
  readonly seed: number | undefined;
  /** The exact fal input except `image_urls`, keys in the order the API pages show them. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The input images in figure order, by key into `Manifest.images`. */
  readonly imageKeys: readonly string[];
  /** Variables the output path may use. */
  readonly vars: Readonly<Record<string, string>>;
}

/** Where an image key is first used, to locate a failure to resolve it. */
export interface ImageUse {
  readonly source: string;
  readonly kind: "file" | "url";
  readonly at: Located;
}

export interface Expansion {
  readonly drafts: JobDraft[];
  /** Jobs the manifest makes before `only` and `limit`. */
  readonly total: number;
  readonly issues: IssueList;
  readonly imageUses: Map<string, ImageUse>;
}

/** Options that select part of the plan. */
export interface Selection {
  /** Keep jobs whose id matches this glob (`*` and `?`). */
  readonly only?: string;
  /** Keep at most this many jobs (after `only`). */
  readonly limit?: number;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function integer(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : 1;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Orders an input as the endpoints' API pages do: prompt, image_size, then the rest in definition order. */
export function orderInput(
  endpoint: EndpointDefinition,
  input: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["prompt", "image_size", ...Object.keys(endpoint.inputs)])
    if (key !== "image_urls" && input[key] !== undefined) out[key] = input[key];
  for (const [k, v] of Object.entries(input))
    if (!(k in out) && k !== "image_urls" && v !== undefined) out[k] = v;
  return out;
}

class Expander {
  readonly issues = new IssueList();
  readonly imageUses = new Map<string, ImageUse>();
  total = 0;
  readonly #columns: Set<string>;
  readonly #pathOwners = new Map<string, string>();

  constructor(readonly manifest: Manifest) {
    this.#columns = new Set(manifest.rows.flatMap((r) => Object.keys(r.vars)));
  }

  /** Renders a template for a row; reports a missing variable where it helps most. */
  render(field: TemplateField, row: Row, extra: Readonly<Record<string, string>> = {}): string | undefined {
    const result = renderTemplate(field.template, (name) => {
      if (name.startsWith("env.")) return this.manifest.env[name.slice(4)];
      return extra[name] ?? row.vars[name];
    });
    if (typeof result === "string") return result;
    const name = result.missing;
    if (name.startsWith("env."))
      this.issues.add(field.at, `environment variable ${name.slice(4)} is not set`);
    else if (!this.#columns.has(name) && !(name in extra)) {
      const where = this.manifest.rowsFile
        ? `a column of ${this.manifest.rowsFile}`
        : "a variable of any row";
      this.issues.add(
        field.at,
        `\`{{${name}}}\` is not ${where}${didYouMean(name, [...this.#columns, ...Object.keys(extra)])}`,
      );
    } else
      this.issues.add(row.at, `row ${row.index} has no value for \`${name}\`, used by ${field.at.field}`);
    return undefined;
  }

  matches(template: JobTemplate, row: Row): boolean {
    for (const [column, values] of Object.entries(template.when)) {
      if (!this.#columns.has(column)) {
        this.issues.add(
          template.whenAt ?? template.at,
          `\`${column}\` is not a column${this.manifest.rowsFile ? ` of ${this.manifest.rowsFile}` : ""}${didYouMean(column, this.#columns)}`,
          `${template.at.field}.when.${column}`,
        );
        return false;
      }
      const value = row.vars[column];
      if (value === undefined || !values.includes(value)) return false;
    }
    return true;
  }

  /** Where a problem with a rendered source is best shown: the CSV cell it came from, if any. */
  #sourceAt(field: TemplateField, row: Row): Located {
    const variable = field.template.variables.find((v) => !v.startsWith("env.") && v in row.vars);
    return variable === undefined ? field.at : row.cellAt(variable);
  }

  images(template: JobTemplate, row: Row): string[] | undefined {
    const keys: string[] = [];
    let ok = true;
    const fields = template.images.flatMap((e) => (e.kind === "set" ? e.sources : [e.source]));
    for (const field of fields) {
      const source = this.render(field, row);
      if (source === undefined) {
        ok = false;
        continue;
      }
      const at = this.#sourceAt(field, row);
      if (source.trim() === "") {
        this.issues.add(at, `empty image reference (used by ${field.at.field})`);
        ok = false;
        continue;
      }
      const key = imageKey(this.manifest.file, source.trim());
      if (key.kind === "invalid") {
        this.issues.add(at, key.message);
        ok = false;
        continue;
      }
      if (!this.imageUses.has(key.key)) this.imageUses.set(key.key, { source, kind: key.kind, at });
      keys.push(key.key);
    }
    return ok ? keys : undefined;
  }

  expand(selection: Selection): JobDraft[] {
    const drafts: JobDraft[] = [];
    const byId = new Map<string, JobDraft>();
    const only = selection.only === undefined ? undefined : globToRegExp(selection.only);
    for (const template of this.manifest.jobs) {
      for (const row of this.manifest.rows) {
        if (!this.matches(template, row)) continue;
        // An id that names {{size}} or {{seed}} is rendered per variant; otherwise once.
        const perVariant = template.idNamesSize || template.idNamesSeed;
        const baseId = perVariant ? "" : this.render(template.id, row, { prompt: template.promptName });
        const prompt = this.render(template.prompt, row);
        const imageKeys = this.images(template, row);
        if (baseId === undefined || prompt === undefined || imageKeys === undefined) continue;
        if (imageKeys.length > template.endpoint.maxInputImages)
          this.issues.add(
            template.imagesAt,
            `${imageKeys.length} input images; ${template.endpoint.model} takes at most ${template.endpoint.maxInputImages} (fal would silently drop the first ${imageKeys.length - template.endpoint.maxInputImages})`,
          );
        for (const size of template.sizes) {
          for (const seed of template.seeds ?? [undefined]) {
            const vars = { ...row.vars, size: size.name, seed: seed === undefined ? "" : String(seed) };
            let id = perVariant
              ? this.render(template.id, row, {
                  prompt: template.promptName,
                  size: vars.size,
                  seed: vars.seed,
                })
              : baseId;
            if (id === undefined) continue;
            if (!template.idNamesSize) id += `-${size.name}`;
            if (seed !== undefined && !template.idNamesSeed) id += `-seed${seed}`;
            if (!ID.test(id)) {
              this.issues.add(
                template.id.at,
                `job id \`${id}\` (row ${row.index}) may only hold letters, digits, '.', '_' and '-'`,
              );
              continue;
            }
            const input = orderInput(template.endpoint, {
              prompt,
              image_size: size.value,
              ...template.input,
              ...(seed === undefined ? {} : { seed }),
            });
            this.#checkInput(template, input, imageKeys.length);
            const draft: JobDraft = {
              id,
              template,
              row,
              endpoint: template.endpoint,
              sizeName: size.name,
              sizeValue: size.value,
              seed,
              input,
              imageKeys,
              vars: { ...vars, job: id, prompt: template.promptName, model: template.endpoint.model },
            };
            const twin = byId.get(id);
            if (twin) {
              this.issues.add(
                template.id.at,
                `duplicate job id \`${id}\` (row ${row.index}); ${twin.template.id.at.field} makes it for row ${twin.row.index} too`,
              );
              continue;
            }
            byId.set(id, draft);
            this.#checkOutputPath(draft);
            if (only && !only.test(id)) continue;
            drafts.push(draft);
          }
        }
      }
    }
    this.total = byId.size;
    return selection.limit === undefined ? drafts : drafts.slice(0, selection.limit);
  }

  #checkOutputPath(draft: JobDraft): void {
    const field = this.manifest.outputPath;
    const names = field.template.variables;
    if (!names.includes("ext"))
      this.issues.add(field.at, "must contain {{ext}}: the extension comes from the image's real format");
    const maxImages = integer(draft.input.num_images) * integer(draft.input.max_images);
    if (maxImages > 1 && !names.includes("n"))
      this.issues.add(field.at, `must contain {{n}}: job \`${draft.id}\` can return ${maxImages} images`);
    const path = renderOutputPath(field, draft.vars, 1, "png");
    if (typeof path !== "string") {
      const known = [...this.#columns, ...OUTPUT_VARIABLES];
      this.issues.add(
        field.at,
        `\`{{${path.missing}}}\` is neither a column nor one of ${OUTPUT_VARIABLES.join(", ")}${didYouMean(path.missing, known)}`,
      );
      return;
    }
    const unsafe = unsafeOutputPath(path);
    if (unsafe) {
      this.issues.add(field.at, `${unsafe} (job \`${draft.id}\`)`);
      return;
    }
    const owner = this.#pathOwners.get(path);
    if (owner !== undefined) {
      this.issues.add(
        field.at,
        `jobs \`${owner}\` and \`${draft.id}\` would both write \`${path}\`; add {{job}} to the path`,
      );
      return;
    }
    this.#pathOwners.set(path, draft.id);
  }

  #checkInput(template: JobTemplate, input: Record<string, unknown>, imageCount: number): void {
    const placeholders = Array.from(
      { length: Math.min(imageCount, template.endpoint.maxInputImages) },
      () => "x",
    );
    for (const e of validateEndpointInput(template.endpoint, { ...input, image_urls: placeholders })) {
      const key = String(e.loc[1] ?? "");
      if (key === "image_urls" || key === "prompt" || key === "image_size") continue;
      this.issues.add(template.inputAt[key] ?? template.at, `${e.msg} (model ${template.endpoint.model})`);
    }
  }
}

/**
 * Expands a manifest's job templates over its rows, size variants and seeds. Pure: the same
 * manifest gives the same drafts and issues. Issues are located at the template or the CSV
 * cell they come from.
 */
export function expandManifest(manifest: Manifest, selection: Selection = {}): Expansion {
  const expander = new Expander(manifest);
  const drafts = expander.expand(selection);
  return { drafts, total: expander.total, issues: expander.issues, imageUses: expander.imageUses };
}
