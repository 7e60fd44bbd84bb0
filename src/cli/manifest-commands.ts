import { type Command, Option } from "commander";
import { positiveNumber, wholeNumber } from "./parse-values.js";
import type { CliIo } from "./streams.js";

/** Options every command that reads a manifest takes. */
export function withManifestOptions(cmd: Command): Command {
  return cmd
    .option("--only <glob>", "keep the jobs whose id matches (* and ?)")
    .option("--limit <n>", "keep at most N jobs", wholeNumber(0, Number.MAX_SAFE_INTEGER))
    .option("--model <model>", "standalone CSV: model for rows without a model cell")
    .option("--name <name>", "standalone CSV: pipeline name (default: the file's name)");
}

/** Adds `validate` and `plan`: the commands that read a manifest and send nothing. */
export function addManifestCommands(program: Command, io: CliIo, done: (code: number) => void): void {
  withManifestOptions(
    program
      .command("validate")
      .description("check a manifest: exit 0 and a summary, or every error (file:line:column) and exit 2")
      .argument("<manifest>", "YAML pipeline or standalone CSV")
      .option("--emulator", "check against the schemas the built-in emulator serves (the shipped snapshots)")
      .addOption(
        new Option(
          "--fal-base-url <url>",
          "read each model's schema from this base URL's Model Search API instead of fal's",
        ).env("SEEDREAM_FAL_BASE_URL"),
      ),
  ).action(async (manifest: string, flags) => {
    const { validateCommand } = await import("./plan-command.js");
    done(await validateCommand(manifest, flags, io));
  });

  withManifestOptions(
    program
      .command("plan")
      .description("show the jobs, images, uploads and estimated cost; sends nothing")
      .argument("<manifest>", "YAML pipeline or standalone CSV")
      .option("--json", "print the plan as JSON, every job with its exact fal input")
      .option(
        "-o, --output <dir>",
        "also show what a run into <dir>/<pipeline name>/ would do: to run (and its cost), up to date, resumed, failed",
      )
      .option("--emulator", "with -o: as a run with --emulator would see it")
      .addOption(
        new Option("--fal-base-url <url>", "with -o: as a run against this base URL would see it").env(
          "SEEDREAM_FAL_BASE_URL",
        ),
      )
      .option("--force", "with -o: as a run with --force would see it")
      .option("--retry-failed", "with -o: as a run with --retry-failed would see it")
      .option(
        "--max-cost <usd>",
        "warn when the plan (with -o: what the run would send) can cost more than this (USD); over the manifest's max_cost_usd",
        positiveNumber,
      ),
  ).action(async (manifest: string, flags) => {
    const { planCommand } = await import("./plan-command.js");
    done(await planCommand(manifest, flags, io));
  });
}
