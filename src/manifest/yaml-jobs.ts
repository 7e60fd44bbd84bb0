import { type EndpointDefinition, validateEndpointInput } from "../endpoints/index.js";
import type { Locator } from "./locate.js";
import { type ManifestModels, schemaNamed } from "./models.js";
import type { RawJob, RawManifest } from "./schema.js";
import { checkSize, sizeValue } from "./sizes.js";
import { didYouMean, hintOrList } from "./suggest.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { ImageEntry, JobTemplate, Located, SizeVariant, TemplateField } from "./types.js";

/** Collects what building job templates finds. */
export interface Findings {
  error(at: Located, message: string): void;
  warn(message: string): void;
}

/** Keys a job sets through its own fields, not through `input` or `defaults`. */
const OWN_FIELDS: Readonly<Record<string, string>> = {
  prompt: "prompts / prompt / prompt_text",
  image_urls: "images",
  image_size: "sizes",
};

/** Builds job templates from a validated raw manifest; pure, reports through `findings`. */
export class JobBuilder {
  readonly #sets = new Map<string, TemplateField[]>();
  readonly #prompts = new Map<string, TemplateField>();
  readonly #checkedSizes = new Set<string>();

  constructor(
    readonly raw: RawManifest,
    readonly endpoint: EndpointDefinition,
    readonly models: ManifestModels,
    readonly at: Locator,
    readonly findings: Findings,
    readonly hasRows: boolean,
  ) {
    for (const [name, value] of Object.entries(raw.images ?? {})) {
      const list = Array.isArray(value) ? value : [value];
      const fields = list.flatMap(
        (src, i) => this.template(src, Array.isArray(value) ? ["images", name, i] : ["images", name]) ?? [],
      );
      this.#sets.set(name, fields);
    }
    for (const [name, text] of Object.entries(raw.prompts ?? {})) {
      const field = this.template(text, ["prompts", name]);
      if (field) this.#prompts.set(name, field);
    }
    this.#checkDefaults();
  }

  /**
   * Checks `defaults` against the manifest's model once, even where every job overrides them:
   * a default that could never be sent is a mistake waiting for the first job that uses it.
   */
  #checkDefaults(): void {
    const defaults = this.raw.defaults ?? {};
    const size = defaults.image_size;
    if (typeof size === "string" || (typeof size === "object" && size !== null)) {
      const { error } = checkSize(this.endpoint, sizeValue(size as string), this.models.all());
      if (error) this.findings.error(this.at(["defaults", "image_size"]), error);
      this.#checkedSizes.add(`${this.endpoint.id}|default`);
    }
    const images = this.endpoint.imageField;
    const input: Record<string, unknown> = { prompt: "x", [images.name]: images.list ? ["x"] : "x" };
    for (const [key, value] of Object.entries(defaults))
      if (key in this.endpoint.inputs && !(key in OWN_FIELDS)) input[key] = value;
    for (const e of validateEndpointInput(this.endpoint, input)) {
      const key = String(e.loc[1] ?? "");
      if (key in defaults && !(key in OWN_FIELDS))
        this.findings.error(this.at(["defaults", key]), `${e.msg} (model ${this.endpoint.model})`);
    }
  }

  template(text: string, path: readonly PropertyKey[]): TemplateField | undefined {
    const t = compileTemplate(text);
    const at = this.at(path);
    if (isTemplateError(t)) {
      this.findings.error(at, t.message);
      return undefined;
    }
    return { template: t, at };
  }

  /** The named size variants, or the default size when the manifest names none. */
  #namedSizes(): SizeVariant[] {
    if (this.raw.sizes)
      return Object.entries(this.raw.sizes).map(([name, v]) => ({ name, value: sizeValue(v) }));
    const fallback = this.raw.defaults?.image_size;
    if (typeof fallback === "string" || (typeof fallback === "object" && fallback !== null))
      return [{ name: "default", value: sizeValue(fallback as string) }];
    return [{ name: this.endpoint.defaultImageSize, value: this.endpoint.defaultImageSize }];
  }

  #sizes(job: RawJob | undefined, path: readonly PropertyKey[], endpoint: EndpointDefinition): SizeVariant[] {
    const named = this.#namedSizes();
    const variants: SizeVariant[] = [];
    const names = job?.sizes;
    if (!names) variants.push(...named);
    else
      for (const [i, name] of names.entries()) {
        const found = named.find((s) => s.name === name);
        if (found) variants.push(found);
        else if (endpoint.sizeEnum.includes(name) || /^\d+\s*[xX×]\s*\d+$/.test(name))
          variants.push({ name, value: sizeValue(name) });
        else
          this.findings.error(
            this.at([...path, "sizes", i]),
            `unknown size \`${name}\`${hintOrList(
              name,
              named.map((s) => s.name),
              "sizes",
            )}`,
          );
      }
    for (const v of variants) {
      const check = `${endpoint.id}|${v.name}`;
      if (this.#checkedSizes.has(check)) continue;
      this.#checkedSizes.add(check);
      const where =
        this.raw.sizes && v.name in this.raw.sizes
          ? this.at(["sizes", v.name])
          : this.at(job ? [...path, "sizes"] : ["model"]);
      const { error, warning } = checkSize(endpoint, v.value, this.models.all());
      if (error) this.findings.error(where, error);
      if (warning)
        this.findings.warn(`${where.file}:${where.line}:${where.column}: ${where.field}: ${warning}`);
    }
    return variants;
  }

  #input(job: RawJob | undefined, path: readonly PropertyKey[], endpoint: EndpointDefinition) {
    const input: Record<string, unknown> = {};
    const inputAt: Record<string, Located> = {};
    const layers: [Record<string, unknown> | undefined, readonly PropertyKey[]][] = [
      [this.raw.defaults, ["defaults"]],
      [job?.input, [...path, "input"]],
    ];
    const known = Object.keys(endpoint.inputs);
    for (const [layer, at] of layers) {
      for (const [key, value] of Object.entries(layer ?? {})) {
        const own = OWN_FIELDS[key];
        if (own) {
          if (key === "image_size" && at[0] === "defaults") continue;
          this.findings.error(
            this.at([...at, key], { key: true }),
            `\`${key}\` is set through ${own}, not here`,
          );
        } else if (!(key in endpoint.inputs)) {
          const other = known.includes(key) ? "" : didYouMean(key, known);
          this.findings.error(
            this.at([...at, key], { key: true }),
            `\`${key}\` is not an input of ${schemaNamed(endpoint)}${other}`,
          );
        } else {
          input[key] = value;
          inputAt[key] = this.at([...at, key]);
        }
      }
    }
    if (job?.seeds && input.seed !== undefined)
      this.findings.error(this.at([...path, "seeds"]), "`seeds` and an input `seed` exclude each other");
    else if (job?.seeds && endpoint.inputs.seed === undefined)
      this.findings.error(
        this.at([...path, "seeds"]),
        `\`seeds\` sets the input \`seed\`, which is not an input of ${schemaNamed(endpoint)}`,
      );
    return { input, inputAt };
  }

  #images(job: RawJob | undefined, path: readonly PropertyKey[]): ImageEntry[] {
    if (!job?.images) return [...this.#sets].map(([name, sources]) => ({ kind: "set", name, sources }));
    return job.images.flatMap((entry, i): ImageEntry[] => {
      const set = this.#sets.get(entry);
      if (set) return [{ kind: "set", name: entry, sources: set }];
      const source = this.template(entry, [...path, "images", i]);
      if (!source) return [];
      // A bare word that is no set and no file is most likely a misspelt set name.
      const hint = /^[A-Za-z0-9_-]+$/.test(entry) ? didYouMean(entry, this.#sets.keys()) : "";
      return [
        {
          kind: "literal",
          source: hint
            ? { ...source, at: { ...source.at, field: `${source.at.field} (${hint.slice(2)})` } }
            : source,
        },
      ];
    });
  }

  // Reads as the job's fields in order (model, prompt, id, images, sizes, input, when); each
  // field's rules are a call, and splitting the sequence would hide which error stops a job.
  build(job: RawJob | undefined, index: number): JobTemplate | undefined {
    const path = job ? ["jobs", index] : ["prompts"];
    const jobAt = this.at(path);
    let endpoint = this.endpoint;
    if (job?.model) {
      const found = this.models.find(job.model);
      if (!found) {
        this.findings.error(this.at([...path, "model"]), this.models.unknown(job.model));
        return undefined;
      }
      endpoint = found;
    }
    let promptName: string;
    let prompt: TemplateField | undefined;
    if (job && (job.prompt === undefined) === (job.prompt_text === undefined)) {
      this.findings.error(jobAt, "a job needs exactly one of `prompt` (a name in prompts) and `prompt_text`");
      return undefined;
    }
    if (job?.prompt_text !== undefined) {
      promptName = "inline";
      prompt = this.template(job.prompt_text, [...path, "prompt_text"]);
    } else {
      promptName = job?.prompt ?? "";
      prompt = this.#prompts.get(promptName);
      if (!prompt && job && !(promptName in (this.raw.prompts ?? {}))) {
        const names = Object.keys(this.raw.prompts ?? {});
        this.findings.error(
          this.at([...path, "prompt"]),
          `unknown prompt \`${promptName}\`${hintOrList(promptName, names, "prompts")}`,
        );
      }
    }
    if (job && job.id === undefined && this.hasRows) {
      this.findings.error(
        jobAt,
        'a job over rows needs an `id` template that tells rows apart, e.g. id: "{{sku}}-hero"',
      );
      return undefined;
    }
    const id =
      job?.id === undefined ? this.#literal(promptName, jobAt) : this.template(job.id, [...path, "id"]);
    const images = this.#images(job, path);
    const sizes = this.#sizes(job, path, endpoint);
    const { input, inputAt } = this.#input(job, path, endpoint);
    if (images.length === 0)
      this.findings.error(
        this.at(job ? [...path, "images"] : ["images"]),
        "no input images: an edit needs at least one",
      );
    if (!prompt || !id || sizes.length === 0) return undefined;
    const when: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(job?.when ?? {})) when[k] = (Array.isArray(v) ? v : [v]).map(String);
    return {
      index,
      at: jobAt,
      id,
      idNamesSize: id.template.variables.includes("size"),
      idNamesSeed: id.template.variables.includes("seed"),
      endpoint,
      promptName,
      prompt,
      images,
      sizes,
      seeds: job?.seeds,
      when,
      whenAt: job?.when ? this.at([...path, "when"]) : undefined,
      input,
      inputAt,
      imagesAt: this.at(job?.images ? [...path, "images"] : ["images"]),
    };
  }

  #literal(text: string, at: Located): TemplateField | undefined {
    const t = compileTemplate(text);
    return isTemplateError(t) ? undefined : { template: t, at };
  }

  /** Every job template: the `jobs` list, or one per prompt over every size and image set. */
  all(): JobTemplate[] {
    if (this.raw.jobs) return this.raw.jobs.flatMap((job, i) => this.build(job, i) ?? []);
    const names = Object.keys(this.raw.prompts ?? {});
    if (names.length === 0) {
      this.findings.error(this.at([]), "no prompts: add `prompts` (every prompt × every size) or `jobs`");
      return [];
    }
    if (this.hasRows) {
      this.findings.error(
        this.at(["rows"], { key: true }),
        "`rows` needs `jobs` with an `id` template that tells rows apart",
      );
      return [];
    }
    return names.flatMap((name, i) => {
      const t = this.build({ prompt: name }, i);
      return t ? [{ ...t, at: this.at(["prompts", name]) }] : [];
    });
  }
}
