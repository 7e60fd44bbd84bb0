import type { EndpointDefinition, InputKind } from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import { OWN_COLUMNS } from "./csv-header.js";
import { envRefusal } from "./env-access.js";
import { type ManifestModels, schemaNamed } from "./models.js";
import { checkSize, sizeValue } from "./sizes.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { JobTemplate, Located, Row, TemplateField } from "./types.js";

function issue(at: Located, message: string): ManifestIssue {
  return { file: at.file, line: at.line, column: at.column, field: at.field, message };
}

/** A cell's text as the input kind wants it, or an error message. */
function typed(kind: InputKind, text: string): { value: unknown } | { error: string } {
  switch (kind.type) {
    case "integer":
      return /^-?\d+$/.test(text)
        ? { value: Number(text) }
        : { error: `expected a whole number, got \`${text}\`` };
    case "number":
      return /^-?\d+(\.\d+)?$/.test(text)
        ? { value: Number(text) }
        : { error: `expected a number, got \`${text}\`` };
    case "boolean": {
      const t = text.toLowerCase();
      if (t === "true" || t === "1" || t === "yes") return { value: true };
      if (t === "false" || t === "0" || t === "no") return { value: false };
      return { error: `expected true or false, got \`${text}\`` };
    }
    case "enum":
      return kind.values.includes(text)
        ? { value: text }
        : { error: `expected one of ${kind.values.join(", ")}, got \`${text}\`` };
    default:
      return { value: text };
  }
}

/** Turns standalone CSV rows into job templates, one per row, gathering what it finds. */
export class CsvJobBuilder {
  readonly issues: ManifestIssue[] = [];
  readonly warnings: string[] = [];
  /** The environment variables the cells name, read once. */
  readonly env: Record<string, string> = {};

  constructor(
    readonly file: string,
    readonly columns: readonly string[],
    readonly fallback: EndpointDefinition | undefined,
    readonly models: ManifestModels,
    readonly environment: Readonly<Record<string, string | undefined>>,
  ) {}

  /** A cell as a template: a standalone CSV has no variables but {{env.NAME}}. */
  #field(text: string, at: Located): TemplateField | undefined {
    const t = compileTemplate(text);
    if (isTemplateError(t)) {
      this.issues.push(issue(at, t.message));
      return undefined;
    }
    for (const v of t.variables) {
      const name = v.slice(4);
      const refusal = v.startsWith("env.") ? envRefusal(name, undefined) : undefined;
      const value = this.environment[name];
      if (!v.startsWith("env."))
        this.issues.push(issue(at, `\`{{${v}}}\`: a standalone CSV has no variables but {{env.NAME}}`));
      else if (refusal) {
        this.issues.push(issue(at, `\`{{${v}}}\`: ${refusal}`));
        this.env[name] = "";
      } else if (value !== undefined) this.env[name] = value;
    }
    return { template: t, at };
  }

  /** The endpoint inputs a row sets in its own columns, typed. */
  #input(row: Row, endpoint: EndpointDefinition) {
    const input: Record<string, unknown> = {};
    const inputAt: Record<string, Located> = {};
    for (const column of this.columns) {
      const text = (row.vars[column] ?? "").trim();
      if (OWN_COLUMNS.includes(column) || text === "") continue;
      const kind = endpoint.inputs[column];
      if (!kind) {
        this.issues.push(
          issue(row.cellAt(column), `\`${column}\` is not an input of ${schemaNamed(endpoint)}`),
        );
        continue;
      }
      const v = typed(kind, text);
      if ("error" in v) this.issues.push(issue(row.cellAt(column), v.error));
      else {
        input[column] = v.value;
        inputAt[column] = row.cellAt(column);
      }
    }
    return { input, inputAt };
  }

  /** One row's job template, or undefined (with its issues) when it cannot be one. */
  build(row: Row): JobTemplate | undefined {
    const cell = (c: string) => (row.vars[c] ?? "").trim();
    const modelText = cell("model");
    const endpoint = modelText ? this.models.find(modelText) : this.fallback;
    if (!endpoint) {
      this.issues.push(issue(row.cellAt("model"), this.models.unknown(modelText)));
      return undefined;
    }
    const idText = cell("id") || `row${row.index}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(idText)) {
      const message = `job id \`${idText}\` may only hold letters, digits, '.', '_' and '-'`;
      this.issues.push(issue(row.cellAt("id"), message));
      return undefined;
    }
    const promptText = cell("prompt");
    if (!promptText) this.issues.push(issue(row.cellAt("prompt"), "empty prompt"));
    const sources = cell("image_urls")
      .split("|")
      .map((s) => s.trim())
      .filter(Boolean);
    if (sources.length === 0)
      this.issues.push(issue(row.cellAt("image_urls"), "no input images: an edit needs at least one"));
    const size = sizeValue(cell("image_size") || endpoint.defaultImageSize);
    const sizeCheck = checkSize(endpoint, size, this.models.all());
    if (sizeCheck.error) this.issues.push(issue(row.cellAt("image_size"), sizeCheck.error));
    if (sizeCheck.warning)
      this.warnings.push(`${this.file}:${row.at.line}: image_size: ${sizeCheck.warning}`);
    const { input, inputAt } = this.#input(row, endpoint);
    const prompt = this.#field(promptText || " ", row.cellAt("prompt"));
    const id = this.#field(idText, row.cellAt("id"));
    const images = sources.flatMap((s) => {
      const f = this.#field(s, row.cellAt("image_urls"));
      return f ? [{ kind: "literal" as const, source: f }] : [];
    });
    if (!prompt || !id || !promptText || images.length === 0) return undefined;
    return {
      index: row.index - 1,
      at: row.at,
      id,
      idNamesSize: true,
      idNamesSeed: true,
      endpoint,
      promptName: "csv",
      prompt,
      images,
      sizes: [{ name: typeof size === "string" ? size : `${size.width}x${size.height}`, value: size }],
      seeds: undefined,
      when: {},
      whenAt: undefined,
      input,
      inputAt,
      imagesAt: row.cellAt("image_urls"),
    };
  }
}
