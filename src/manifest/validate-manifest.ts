import {
  type EndpointDefinition,
  findEndpoint,
  type ImageSizeValue,
  modelNames,
  parsePixelSize,
  validateEndpointInput,
} from "../endpoints/index.js";
import type { ManifestIssue } from "../errors.js";
import type { Locator } from "./locate.js";
import { manifestSchema, type RawManifest } from "./schema.js";

/** Where issues are reported: the file and a locator into it. */
export interface IssueSink {
  readonly file: string;
  readonly locator: Locator;
}

function issueAt(sink: IssueSink, path: readonly PropertyKey[], message: string, key = false): ManifestIssue {
  const { line, column } = sink.locator.at(path, { key });
  return { file: sink.file, line, column, field: path.map(String).join("."), message };
}

/** Inputs a manifest sets per job, so they may not stand in `defaults`. */
const JOB_INPUTS = new Set(["prompt", "image_urls"]);

/** The result of the pure part of validation: a raw manifest checked against the schema and the endpoint. */
export type Checked =
  | {
      readonly ok: true;
      readonly raw: RawManifest;
      readonly endpoint: EndpointDefinition;
      readonly sizes: ReadonlyArray<{ name: string; value: ImageSizeValue }>;
    }
  | { readonly ok: false; readonly issues: ManifestIssue[] };

/** Checks parsed YAML against the schema and the endpoint's rules; pure. */
export function checkManifest(data: unknown, sink: IssueSink): Checked {
  if (data === null || data === undefined)
    return {
      ok: false,
      issues: [{ file: sink.file, line: 1, column: 1, field: "", message: "the manifest is empty" }],
    };
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i): ManifestIssue[] => {
      if (i.code === "unrecognized_keys")
        return i.keys.map((k) => issueAt(sink, [...i.path, k], `unknown key \`${k}\``, true));
      return [issueAt(sink, i.path, i.message)];
    });
    return { ok: false, issues };
  }
  const raw = parsed.data;
  const issues: ManifestIssue[] = [];
  const endpoint = findEndpoint(raw.model);
  if (!endpoint) {
    issues.push(
      issueAt(sink, ["model"], `unknown model \`${raw.model}\`; expected one of ${modelNames().join(", ")}`),
    );
    return { ok: false, issues };
  }
  for (const key of Object.keys(raw.defaults ?? {})) {
    if (JOB_INPUTS.has(key))
      issues.push(issueAt(sink, ["defaults", key], `\`${key}\` is set per job, not in defaults`, true));
    else if (!(key in endpoint.inputs))
      issues.push(issueAt(sink, ["defaults", key], `\`${key}\` is not an input of ${endpoint.model}`, true));
  }
  const sizes: { name: string; value: ImageSizeValue }[] = [];
  const rawSizes = raw.sizes ?? {
    default: (raw.defaults?.image_size as ImageSizeValue | undefined) ?? endpoint.defaultImageSize,
  };
  for (const [name, value] of Object.entries(rawSizes)) {
    const resolved = typeof value === "string" ? (parsePixelSize(value) ?? value) : value;
    const sizeErrors = validateEndpointInput(endpoint, {
      prompt: "x",
      image_urls: [],
      image_size: resolved,
    }).filter((e) => e.loc[1] === "image_size");
    for (const e of sizeErrors)
      issues.push(issueAt(sink, ["sizes", name], `${e.msg} (model ${endpoint.model})`));
    sizes.push({ name, value: resolved });
  }
  const probe = { prompt: "x", image_urls: [], ...(raw.defaults ?? {}) };
  for (const e of validateEndpointInput(endpoint, probe)) {
    const field = e.loc[1];
    if (typeof field === "string" && field !== "image_urls" && field in (raw.defaults ?? {}))
      issues.push(issueAt(sink, ["defaults", field], e.msg));
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, raw, endpoint, sizes };
}
