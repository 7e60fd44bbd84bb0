import { didYouMean } from "../manifest/suggest.js";
import type { ImageFormat, TemplateField } from "../manifest/types.js";
import type { JobDraft } from "./draft.js";
import type { EmptyValues } from "./expand-warnings.js";
import type { IssueList } from "./issues.js";
import { builtinVariables, OUTPUT_VARIABLES, renderOutputPath, unsafeOutputPath } from "./output-path.js";

function integer(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : 1;
}

/** The extension a path is checked with: the output format's, or png (what fal sends) for `original`. */
export function checkedExt(format: ImageFormat): string {
  if (format === "original") return "png";
  return format === "jpeg" ? "jpg" : format;
}

/** Paths two jobs would share: the first pair, and every row involved. */
interface Collisions {
  readonly first: { readonly owner: string; readonly job: string; readonly path: string };
  readonly rows: Set<number>;
  jobs: number;
}

/**
 * Checks each job's output path as the jobs are expanded: it names {{ext}} (and {{n}} when a job
 * can return several images), renders, stays under the output folder, and no two jobs share it.
 */
export class OutputPathChecker {
  readonly #owners = new Map<string, string>();
  #collisions: Collisions | undefined;

  constructor(
    readonly field: TemplateField,
    readonly columns: ReadonlySet<string>,
    readonly issues: IssueList,
    readonly empties: EmptyValues,
    readonly ext = "png",
  ) {}

  check(draft: JobDraft): void {
    const { field, issues } = this;
    const names = field.template.variables;
    if (!names.includes("ext"))
      issues.add(field.at, "must contain {{ext}}: the extension comes from the image's real format");
    const maxImages = integer(draft.input.num_images) * integer(draft.input.max_images);
    if (maxImages > 1 && !names.includes("n"))
      issues.add(field.at, `must contain {{n}}: job \`${draft.id}\` can return ${maxImages} images`);
    const builtins = builtinVariables(draft);
    const path = renderOutputPath(field, draft.row.vars, builtins, 1, this.ext, (name) => {
      if (builtins(name) === undefined) this.empties.add(field, name, draft.row.index);
    });
    if (typeof path !== "string") {
      const known = [...this.columns, ...OUTPUT_VARIABLES];
      issues.add(
        field.at,
        `\`{{${path.missing}}}\` is neither a column nor one of ${OUTPUT_VARIABLES.join(", ")}${didYouMean(path.missing, known)}`,
      );
      return;
    }
    const unsafe = unsafeOutputPath(path);
    if (unsafe) {
      issues.add(field.at, `${unsafe} (job \`${draft.id}\`)`, field.at.field, draft.row.index);
      return;
    }
    const owner = this.#owners.get(path);
    if (owner === undefined) {
      this.#owners.set(path, draft.id);
      return;
    }
    // One mistake in the path template collides on most rows: gathered into one issue by `finish`.
    this.#collisions ??= { first: { owner, job: draft.id, path }, rows: new Set(), jobs: 0 };
    this.#collisions.jobs += 1;
    this.#collisions.rows.add(draft.row.index);
  }

  /**
   * Reports the shared paths as one issue: the first pair and how many jobs in all. Each row
   * involved holds it, so `on_invalid_row: skip` still leaves those rows out.
   */
  finish(): void {
    const c = this.#collisions;
    if (!c) return;
    const { at } = this.field;
    const more = c.jobs > 1 ? ` (${c.jobs} jobs write a path an earlier job writes)` : "";
    const message = `jobs \`${c.first.owner}\` and \`${c.first.job}\` would both write \`${c.first.path}\`${more}; add {{job}} to the path`;
    for (const row of c.rows) this.issues.add(at, message, at.field, row);
  }
}
