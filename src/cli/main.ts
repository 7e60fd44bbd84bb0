import { Command, CommanderError, Option } from "commander";
import { PipelineError } from "../errors.js";
import { manifestJsonSchema } from "../manifest/index.js";
import { reportJsonSchema } from "../report/index.js";
import { parseDuration } from "./duration.js";
import { addEmulatorCommand } from "./emulator-command.js";
import { EXIT, EXIT_CODES_HELP, reportError } from "./exit-codes.js";
import { showDefaultsAsWritten } from "./help-defaults.js";
import { concurrencyValue, positiveNumber, wholeNumber } from "./parse-values.js";
import { planCommand, validateCommand } from "./plan-command.js";
import { pruneCommand } from "./prune-command.js";
import { reportCommand } from "./report-command.js";
import { addReviewCommands } from "./review-commands.js";
import { runCommand } from "./run-command.js";
import type { CliIo } from "./streams.js";
import { version } from "./version.js";

/** Options every command that reads a manifest takes. */
function withManifestOptions(cmd: Command): Command {
  return cmd
    .option("--only <glob>", "keep the jobs whose id matches (* and ?)")
    .option("--limit <n>", "keep at most N jobs", wholeNumber(0, Number.MAX_SAFE_INTEGER))
    .option("--model <model>", "standalone CSV: model for rows without a model cell")
    .option("--name <name>", "standalone CSV: pipeline name (default: the file's name)");
}

function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command("seedream-pipeline")
    .description(
      "Batch runner for fal.ai Seedream image-edit models: manifests in, images and a JSON report out.",
    )
    .version(version())
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", EXIT_CODES_HELP);

  withManifestOptions(
    program
      .command("validate")
      .description("check a manifest: exit 0 and a summary, or every error (file:line:column) and exit 2")
      .argument("<manifest>", "YAML pipeline or standalone CSV"),
  ).action(async (manifest: string, flags) => done(await validateCommand(manifest, flags, io)));

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
      .option("--retry-failed", "with -o: as a run with --retry-failed would see it"),
  ).action(async (manifest: string, flags) => done(await planCommand(manifest, flags, io)));

  withManifestOptions(
    program
      .command("run")
      .description("run a pipeline manifest against fal (FAL_KEY), a base URL, or the built-in emulator")
      .argument("<manifest>", "YAML pipeline or standalone CSV"),
  )
    .option(
      "--dry-run",
      "print the plan and what this run would do in its output folder (to run, up to date, cost); send nothing",
    )
    .option("-o, --output <dir>", "output root; images go to <dir>/<pipeline name>/", "output")
    .option(
      "-c, --concurrency <n>",
      "requests in flight at fal: auto (follow the account's capacity) or a number (default: the manifest's, else auto)",
      concurrencyValue,
    )
    .option("--max-concurrency <n>", "the most auto may keep in flight", wholeNumber(1, 200))
    .option(
      "--max-cost <usd>",
      "stop submitting before the spend could pass this (USD); over the manifest's max_cost_usd",
      positiveNumber,
    )
    .option("--fresh", "forget what earlier runs left in this output folder and start over")
    .option("-q, --quiet", "only warnings and errors; no progress")
    .option("--log-file <path>", "also write every log line, as JSON, to this file")
    .option(
      "--progress-every <duration>",
      "not on a terminal: a progress line this often",
      parseDuration,
      30_000,
    )
    .option(
      "--notify-url <url>",
      "POST <url>/start when the run starts, the summary to <url> (or <url>/fail) when it ends",
    )
    .option("--force", "regenerate every job, even those up to date")
    .option("--retry-failed", "run only the jobs an earlier run failed")
    .option(
      "--verify",
      "hash every output file, not only those whose size, mtime or inode changed, and say which differ",
    )
    .option(
      "--keep-runs <n>",
      "run records (runs/<run-id>.json) to keep; older ones are removed",
      wholeNumber(1, 100_000),
      30,
    )
    .option(
      "--retries <n>",
      "attempts at one step (submit, status, result, download) before a job fails",
      wholeNumber(1, 20),
      5,
    )
    .option(
      "--retry-backoff <duration>",
      "base of the jittered exponential backoff between attempts",
      parseDuration,
      1000,
    )
    .option(
      "--job-timeout <duration>",
      "cancel a request at fal with no result this long after submit (e.g. 10m)",
      parseDuration,
    )
    .option(
      "--start-timeout <duration>",
      "fal's bound on time waiting in its queue (x-fal-request-timeout)",
      parseDuration,
    )
    .option(
      "--deadline <duration>",
      "end the run this long after it starts: stop submitting, cancel what waits at fal",
      parseDuration,
    )
    .option(
      "--outage-timeout <duration>",
      "end the run (exit 69) when fal stays unreachable this long; unfinished jobs are left for the next run",
      parseDuration,
      600_000,
    )
    .addOption(
      new Option("--deadline-action <action>", "at the deadline, let running requests finish or cancel them")
        .choices(["finish", "cancel"])
        .default("finish"),
    )
    .option("--emulator", "start the fal-protocol emulator on 127.0.0.1 and send all fal traffic to it")
    .addOption(
      new Option("--fal-base-url <url>", "send all fal traffic (queue and storage) to this base URL").env(
        "SEEDREAM_FAL_BASE_URL",
      ),
    )
    .option("--emulator-concurrency <n>", "with --emulator: its account concurrency", wholeNumber(1, 200), 4)
    .option("--emulator-time-scale <x>", "with --emulator: real ms per emulated ms", positiveNumber, 0.01)
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (manifest: string, flags) => done(await runCommand(manifest, flags, io)));

  program
    .command("report")
    .description(
      "rebuild the gallery and contact sheet of an output folder and print its last run's summary (no fal call)",
    )
    .argument("<folder>", "a pipeline's output folder, e.g. output/catalog-refresh")
    .action(async (folder: string) => done(await reportCommand(folder, io)));

  program
    .command("prune")
    .description(
      "list the outputs of jobs no longer in the manifest and fal originals no job uses; remove them with --yes",
    )
    .argument("<folder>", "a pipeline's output folder, e.g. output/catalog-refresh")
    .option("--yes", "remove them (without it, only list them: a dry run)")
    .action(async (folder: string, flags: { yes?: boolean }) =>
      done(await pruneCommand(folder, flags.yes === true, io)),
    );

  addReviewCommands(program, io, done);

  program
    .command("schema")
    .description(
      "print the JSON Schema of the manifest (for editors: # yaml-language-server: $schema=…) or of report.json",
    )
    .argument("[which]", "manifest or report", "manifest")
    .action((which: string) => {
      if (which !== "manifest" && which !== "report")
        throw new PipelineError("USAGE", `schema: expected manifest or report, got ${which}`);
      const schema = which === "report" ? reportJsonSchema() : manifestJsonSchema();
      io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
      done(EXIT.ok);
    });

  addEmulatorCommand(program, io, done);
  showDefaultsAsWritten(program);
  return program;
}

/** Runs the CLI; sets `process.exitCode` and resolves with it. Never calls process.exit. */
export async function main(io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...io.argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse error is a usage error.
      code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else {
      code = reportError(error, (s) => io.stderr.write(s));
    }
  }
  process.exitCode = code;
  return code;
}
