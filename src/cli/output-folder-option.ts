import type { Command } from "commander";

/** How a folder command is told which output folder: the folder, or the manifest that writes it. */
export interface OutputFolderFlags {
  /** Output root, as `run -o` takes it. @default "output" */
  readonly output?: string;
  /** Standalone CSV: the pipeline name (default: the file's name), as `run --name` takes it. */
  readonly name?: string;
  /** Standalone CSV: the model of rows without one, as `run --model` takes it. */
  readonly model?: string;
}

/** The argument and options every command over an output folder takes. */
export function withOutputFolder(cmd: Command): Command {
  return cmd
    .argument(
      "<folder|manifest>",
      "a pipeline's output folder (output/catalog-refresh), or its manifest: then <output>/<pipeline name>/",
    )
    .option("-o, --output <dir>", "with a manifest: the output root, as run takes it", "output")
    .option("--name <name>", "with a standalone CSV manifest: the pipeline name, as run takes it")
    .option(
      "--model <model>",
      "with a standalone CSV manifest: the model of rows without one, as run takes it",
    );
}
