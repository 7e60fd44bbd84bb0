import type { Command } from "commander";
import { PipelineError } from "../errors.js";
import { EXIT } from "./exit-codes.js";
import { type OutputFolderFlags, withOutputFolder } from "./output-folder-option.js";
import { wholeNumber } from "./parse-values.js";
import type { RenderFlags } from "./render-command.js";
import type { CliIo } from "./streams.js";

/** Adds `report`, `render` and `prune`: commands over an output folder that send nothing to fal. */
export function addFolderCommands(program: Command, io: CliIo, done: (code: number) => void): void {
  withOutputFolder(
    program
      .command("report")
      .description(
        "rebuild the gallery and contact sheet of an output folder and print its last run's summary (no fal call)",
      ),
  ).action(async (target: string, flags: OutputFolderFlags) => {
    const { reportCommand } = await import("./report-command.js");
    done(await reportCommand(target, flags, io));
  });

  withOutputFolder(
    program
      .command("render")
      .description(
        "render the images an output folder holds paid and kept but not rendered, from fal's originals (no fal call); --shard i/n splits the work between processes or machines",
      ),
  )
    .option(
      "--shard <i/n>",
      "render only the job keys of shard i of n (e.g. 2/4); n processes split a folder exactly",
    )
    .option("--parallel <n>", "images rendered at once (default: one per core)", wholeNumber(1, 256))
    .option("-q, --quiet", "only warnings and errors")
    .action(async (target: string, flags: OutputFolderFlags & RenderFlags) => {
      const { renderCommand } = await import("./render-command.js");
      done(await renderCommand(target, flags, io));
    });

  withOutputFolder(
    program
      .command("prune")
      .description(
        "list the outputs of jobs no longer in the manifest and fal originals no job uses; remove them with --yes",
      ),
  )
    .option("--yes", "remove them (without it, only list them: a dry run)")
    .action(async (target: string, flags: OutputFolderFlags & { yes?: boolean }) => {
      const { pruneCommand } = await import("./prune-command.js");
      done(await pruneCommand(target, flags, io));
    });
}

/** Adds `schema`: the JSON Schemas of the manifest and of report.json. */
export function addSchemaCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("schema")
    .description(
      "print the JSON Schema of the manifest (for editors: # yaml-language-server: $schema=…) or of report.json",
    )
    .argument("[which]", "manifest or report", "manifest")
    .action(async (which: string) => {
      if (which !== "manifest" && which !== "report")
        throw new PipelineError("USAGE", `schema: expected manifest or report, got ${which}`);
      const schema =
        which === "report"
          ? (await import("../report/index.js")).reportJsonSchema()
          : (await import("../manifest/index.js")).manifestJsonSchema();
      io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
      done(EXIT.ok);
    });
}
