import type { RawManifest } from "./schema.js";
import { hintOrList } from "./suggest.js";
import { compileTemplate, isTemplateError } from "./template.js";
import type { ImageFormat, ImageSpec, Located, OutputSettings, ResizeSpec, TemplateField } from "./types.js";

type RawOutput = NonNullable<RawManifest["output"]>;
type RawResize = NonNullable<RawOutput["resize"]>[string];

function resizeSpec(r: RawResize): ResizeSpec {
  return {
    width: r.width,
    height: r.height,
    fit: r.fit ?? "cover",
    background: r.background ?? "#ffffff",
    upscale: r.upscale ?? false,
  };
}

/** `512 webp`, `1200x630 jpeg`, `512`: a derivative in one string, or why it is not one. */
export function parseDerivative(text: string, quality: number | undefined): ImageSpec | string {
  const m = /^\s*(\d+)(?:\s*[xX×]\s*(\d+))?(?:\s+(png|jpeg|jpg|webp|avif))?(?:\s+q(\d{1,3}))?\s*$/.exec(text);
  if (!m) return `expected a size and format such as "512 webp" or "1200x630 jpeg", got "${text}"`;
  const format = (m[3] === "jpg" ? "jpeg" : (m[3] ?? "webp")) as ImageFormat;
  return {
    format,
    quality: m[4] === undefined ? quality : Number(m[4]),
    resize: {
      width: Number(m[1]),
      height: m[2] === undefined ? undefined : Number(m[2]),
      fit: m[2] === undefined ? "inside" : "cover",
      background: "#ffffff",
      upscale: false,
    },
    keepMetadata: false,
  };
}

// One pass over `output` in the order its keys are documented; long by the number of keys.
/** The output settings of a manifest, with their issues (located by `at`). */
export function outputSettings(
  raw: RawOutput | undefined,
  pathSource: string,
  sizeNames: readonly string[],
  at: (path: readonly PropertyKey[], options?: { key?: boolean }) => Located,
  error: (where: Located, message: string) => void,
): OutputSettings {
  const keepMetadata = raw?.metadata === "keep";
  const quality = raw?.quality;
  const resize: Record<string, ResizeSpec> = {};
  for (const [name, r] of Object.entries(raw?.resize ?? {})) {
    if (!sizeNames.includes(name))
      error(
        at(["output", "resize", name], { key: true }),
        `unknown size \`${name}\`${hintOrList(name, sizeNames, "sizes")}`,
      );
    resize[name] = resizeSpec(r);
  }
  const derivatives: { name: string; spec: ImageSpec }[] = [];
  for (const [name, d] of Object.entries(raw?.derivatives ?? {})) {
    if (typeof d === "string") {
      const spec = parseDerivative(d, quality);
      if (typeof spec === "string") error(at(["output", "derivatives", name]), spec);
      else derivatives.push({ name, spec });
    } else
      derivatives.push({
        name,
        spec: {
          format: d.format ?? "webp",
          quality: d.quality ?? quality,
          resize: {
            width: d.width,
            height: d.height,
            fit: d.fit ?? (d.height ? "cover" : "inside"),
            background: d.background ?? "#ffffff",
            upscale: false,
          },
          keepMetadata: false,
        },
      });
  }
  // By default a derivative sits beside its image: `.{{derivative}}` before the extension.
  const derivedSource =
    raw?.derivative_path ?? pathSource.replace(/\.\{\{\s*ext\s*\}\}$/, ".{{derivative}}.{{ext}}");
  const where = at(raw?.derivative_path ? ["output", "derivative_path"] : ["output"]);
  const compiled = compileTemplate(
    derivedSource.includes("{{derivative}}") ? derivedSource : `${derivedSource}.{{derivative}}`,
  );
  let derivativePath: TemplateField;
  if (isTemplateError(compiled)) {
    error(where, compiled.message);
    derivativePath = { template: { source: "", parts: [], variables: [] }, at: where };
  } else derivativePath = { template: compiled, at: { ...where, field: "output.derivative_path" } };
  if (derivatives.length > 0 && !derivativePath.template.variables.includes("ext"))
    error(
      where,
      "output.derivative_path must contain {{ext}}: the extension comes from the derivative's format",
    );
  return {
    main: { format: raw?.format ?? "original", quality, keepMetadata },
    resize,
    derivatives,
    derivativePath,
    sidecar: raw?.sidecar ?? true,
  };
}
