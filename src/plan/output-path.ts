import { posix } from "node:path";
import { renderTemplate } from "../manifest/template.js";
import type { TemplateField } from "../manifest/types.js";

/** Built-in variables an output path may use beside the row's. */
export const OUTPUT_VARIABLES = ["job", "size", "seed", "prompt", "model", "n", "ext"] as const;

/** What a job is, as far as its output path's built-in variables go. */
export interface PathJob {
  readonly id: string;
  readonly sizeName: string;
  readonly seed?: number | undefined;
  readonly endpoint: { readonly model: string };
  readonly template?: { readonly promptName: string };
  readonly promptName?: string;
}

/** The built-in variables of a job (`job`, `size`, `seed`, `prompt`, `model`), made on demand. */
export function builtinVariables(job: PathJob): (name: string) => string | undefined {
  return (name) => {
    switch (name) {
      case "job":
        return job.id;
      case "size":
        return job.sizeName;
      case "seed":
        return job.seed === undefined ? "" : String(job.seed);
      case "prompt":
        return job.promptName ?? job.template?.promptName;
      case "model":
        return job.endpoint.model;
      default:
        return undefined;
    }
  };
}

/**
 * Renders an output path for image `n` (1-based) with extension `ext`: built-in variables
 * first, then the row's. Returns the missing variable when one has no value. The path is
 * relative to the pipeline's output folder, `/`-separated.
 */
export function renderOutputPath(
  field: TemplateField,
  row: Readonly<Record<string, string>>,
  builtins: (name: string) => string | undefined,
  n: number,
  ext: string,
  onEmpty?: (name: string) => void,
): string | { readonly missing: string } {
  const result = renderTemplate(
    field.template,
    (name) => {
      if (name === "n") return String(n);
      if (name === "ext") return ext;
      return builtins(name) ?? row[name];
    },
    onEmpty,
  );
  if (typeof result !== "string") return result;
  // Most paths need no normalising; doing it only when needed keeps 100,000 jobs fast.
  return /\\|\/\/|(^|\/)\.\.?(\/|$)/.test(result) ? posix.normalize(result.replace(/\\/g, "/")) : result;
}

/**
 * The longest file name an output path may render to, in UTF-8 bytes. Systems allow 255; the
 * sidecar (`.json`), a derivative's suffix, the temporary name of an atomic write and a longer
 * extension or image number than the check renders with all add to it.
 */
export const MAX_FILE_NAME_BYTES = 200;
/** The longest folder name: the system's limit. */
export const MAX_FOLDER_NAME_BYTES = 255;

function tooLong(path: string): string | undefined {
  const parts = path.split("/");
  for (const [i, part] of parts.entries()) {
    const max = i === parts.length - 1 ? MAX_FILE_NAME_BYTES : MAX_FOLDER_NAME_BYTES;
    const bytes = Buffer.byteLength(part);
    if (bytes <= max) continue;
    return i === parts.length - 1
      ? `\`${part.slice(0, 40)}…\` is a file name of ${bytes} bytes; at most ${max} (systems allow 255, and the sidecar's and temporary names are longer)`
      : `\`${part.slice(0, 40)}…\` is a folder name of ${bytes} bytes; at most ${max} (systems refuse longer)`;
  }
  return undefined;
}

/** Why a rendered output path cannot be used, or undefined when it can. */
export function unsafeOutputPath(path: string): string | undefined {
  const long = tooLong(path);
  if (long) return long;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path))
    return `\`${path}\` is absolute; output paths stay under the output folder`;
  if (path === ".." || path.startsWith("../")) return `\`${path}\` leaves the output folder`;
  if (path === "." || path.endsWith("/")) return `\`${path}\` names a folder, not a file`;
  if (
    ["report.json", "index.html", "contact-sheet.png"].includes(path) ||
    [".state/", ".gallery/", "runs/"].some((dir) => path.startsWith(dir))
  )
    return `\`${path}\` would overwrite the run's own files`;
  return undefined;
}
