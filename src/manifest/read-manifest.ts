import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import { ManifestError, type ManifestIssue } from "../errors.js";
import { createLocator, LineCounter } from "./locate.js";
import { type Resolved, resolveImage } from "./resolve-images.js";
import type { ImageRef, Manifest } from "./types.js";
import { checkManifest } from "./validate-manifest.js";

/**
 * Reads and validates a YAML manifest: the one place raw input becomes a typed Manifest.
 * Throws a ManifestError carrying every issue, each at file:line:column.
 */
export async function readManifest(manifestPath: string): Promise<Manifest> {
  const file = resolve(manifestPath);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ManifestError([
      {
        file: manifestPath,
        line: 1,
        column: 1,
        field: "",
        message: code === "ENOENT" ? "file not found" : `cannot read (${code})`,
      },
    ]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((e) => {
        const p = lineCounter.linePos(e.pos[0]);
        return {
          file: manifestPath,
          line: p.line,
          column: p.col,
          field: "",
          message: `YAML: ${e.message.split("\n")[0]}`,
        };
      }),
    );
  }
  const sink = { file: manifestPath, locator: createLocator(doc, lineCounter) };
  const checked = checkManifest(doc.toJS(), sink);
  if (!checked.ok) throw new ManifestError(checked.issues);
  const { raw, endpoint, sizes } = checked;

  const issues: ManifestIssue[] = [];
  const cache = new Map<string, Promise<Resolved>>();
  const images: { name: string; refs: ImageRef[] }[] = [];
  for (const [name, value] of Object.entries(raw.images)) {
    const list = Array.isArray(value) ? value : [value];
    const refs: ImageRef[] = [];
    for (const [i, source] of list.entries()) {
      const r = await resolveImage(file, source, cache);
      if (r.ok) refs.push(r.ref);
      else {
        const path = Array.isArray(value) ? ["images", name, i] : ["images", name];
        const { line, column } = sink.locator.at(path);
        issues.push({ file: manifestPath, line, column, field: path.join("."), message: r.message });
      }
    }
    images.push({ name, refs });
  }
  const total = images.reduce((n, s) => n + s.refs.length, 0);
  if (total > endpoint.maxInputImages) {
    const { line, column } = sink.locator.at(["images"], { key: true });
    issues.push({
      file: manifestPath,
      line,
      column,
      field: "images",
      message: `${total} input images; ${endpoint.model} takes at most ${endpoint.maxInputImages} (fal would silently drop the first ${total - endpoint.maxInputImages})`,
    });
  }
  if (issues.length > 0) throw new ManifestError(issues);
  return {
    file,
    name: raw.name,
    endpoint,
    defaults: raw.defaults ?? {},
    images,
    prompts: Object.entries(raw.prompts).map(([name, text]) => ({ name, text })),
    sizes,
    concurrency: raw.concurrency,
  };
}
