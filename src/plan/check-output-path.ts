import { didYouMean } from "../manifest/suggest.js";
import type { TemplateField } from "../manifest/types.js";
import type { JobDraft } from "./draft.js";
import type { EmptyValues } from "./expand-warnings.js";
import type { IssueList } from "./issues.js";
import { builtinVariables, OUTPUT_VARIABLES, renderOutputPath, unsafeOutputPath } from "./output-path.js";

function integer(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : 1;
}

/**
 * Checks each job's output path as the jobs are expanded: it names {{ext}} (and {{n}} when a job
 * can return several images), renders, stays under the output folder, and no two jobs share it.
 */
export class OutputPathChecker {
  readonly #owners = new Map<string, string>();

  constructor(
    readonly field: TemplateField,
    readonly columns: ReadonlySet<string>,
    readonly issues: IssueList,
    readonly empties: EmptyValues,
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
    const path = renderOutputPath(field, draft.row.vars, builtins, 1, "png", (name) => {
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
    if (owner !== undefined) {
      issues.add(
        field.at,
        `jobs \`${owner}\` and \`${draft.id}\` would both write \`${path}\`; add {{job}} to the path`,
        field.at.field,
        draft.row.index,
      );
      return;
    }
    this.#owners.set(path, draft.id);
  }
}
