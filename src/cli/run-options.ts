import { type Command, Option } from "commander";
import { RUN_DEFAULTS } from "../run/defaults.js";
import { durationAtLeast, formatDuration, parseDuration } from "./duration.js";
import { EXIT_CODES_HELP } from "./exit-codes.js";
import { withManifestOptions } from "./manifest-commands.js";
import { concurrencyValue, positiveNumber, wholeNumber } from "./parse-values.js";
import type { CliIo } from "./streams.js";

/** Where the run writes and how much it may send at once. */
function outputOptions(cmd: Command): Command {
  return cmd
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
    .option("--max-concurrency <n>", "the most auto may keep in flight", wholeNumber(1, 200));
}

/** What it may spend, what it logs and whom it tells. */
function spendAndLogOptions(cmd: Command): Command {
  return cmd
    .option(
      "--max-cost <usd>",
      "stop submitting before the spend could pass this (USD); over the manifest's max_cost_usd",
      positiveNumber,
    )
    .option("--fresh", "forget what earlier runs left in this output folder and start over")
    .option(
      "--repair-journal",
      "set a damaged journal aside and go on with the lines that pass the checks, keeping every paid request they name",
    )
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
    );
}

/** Which jobs run again, and what an earlier run left behind. */
function selectionOptions(cmd: Command): Command {
  return cmd
    .option("--force", "regenerate every job, even those up to date")
    .option("--retry-failed", "run only the jobs an earlier run failed")
    .option(
      "--verify",
      "hash every output file, not only those whose size, mtime or inode changed, and say which differ",
    )
    .option(
      "--no-render",
      "deliver only: keep fal's originals and leave rendering to `seedream-pipeline render` (e.g. on other machines)",
    )
    .addOption(
      new Option(
        "--render-backlog <n>",
        "images kept and waiting to be rendered, at most, before delivery waits (their originals are on disk)",
      )
        .argParser(wholeNumber(1, 10_000_000))
        // A count, not milliseconds: said with its unit, as the duration defaults are.
        .default(RUN_DEFAULTS.renderBacklog, `${RUN_DEFAULTS.renderBacklog.toLocaleString("en")} images`),
    )
    .option(
      "--keep-runs <n>",
      "run records (runs/<run-id>.json) to keep; older ones are removed",
      wholeNumber(1, 100_000),
      RUN_DEFAULTS.keepRuns,
    );
}

/** Retries, timeouts, the deadline and outages. */
function retryAndTimeOptions(cmd: Command): Command {
  return cmd
    .option(
      "--retries <n>",
      "attempts at one step (upload, submit, status, result, download, cancel) before it is given up",
      wholeNumber(1, 20),
      RUN_DEFAULTS.retry.maxAttempts,
    )
    .option(
      "--retry-backoff <duration>",
      "base of the jittered exponential backoff between attempts",
      parseDuration,
      RUN_DEFAULTS.retry.baseMs,
    )
    .option(
      "--job-timeout <duration>",
      "cancel a request at fal with no result this long after submit (e.g. 10m)",
      parseDuration,
    )
    .option(
      "--start-timeout <duration>",
      "fal's bound on time waiting in its queue (x-fal-request-timeout, sent on every submit)",
      durationAtLeast(2000, "fal accepts only more than 1 second"),
      RUN_DEFAULTS.startTimeoutMs,
    )
    .addOption(
      new Option(
        "--stream-silence <duration>",
        "poll a request instead once its status stream has sent nothing, not even fal's keep-alive (every 15 s at most), this long",
      )
        .argParser(durationAtLeast(1000, "a stream is given at least a second"))
        .default(RUN_DEFAULTS.streamSilenceMs, formatDuration(RUN_DEFAULTS.streamSilenceMs)),
    )
    .addOption(
      new Option(
        "--media-lifetime <duration>",
        "how long fal keeps each request's generated files (X-Fal-Object-Lifecycle-Preference): long enough for a later run to collect a night's results",
      )
        .argParser(durationAtLeast(1000, "fal counts it in whole seconds"))
        .default(RUN_DEFAULTS.mediaLifetimeMs, `${RUN_DEFAULTS.mediaLifetimeMs / 86_400_000}d`),
    )
    .option(
      "--no-store-io",
      "send X-Fal-Store-IO: 0 (fal keeps no inputs or outputs of the requests): a submit in doubt, or a result fal no longer serves, then waits for a person",
    )
    .option(
      "--max-run-time <duration>",
      "the longest a request runs at fal once started, fal's own retries and its listing included: with --start-timeout, how long a submit whose answer never came may still turn up in fal's request history before it is sent again",
      parseDuration,
      RUN_DEFAULTS.maxRunTimeMs,
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
      RUN_DEFAULTS.outageTimeoutMs,
    )
    .addOption(
      new Option("--deadline-action <action>", "at the deadline, let running requests finish or cancel them")
        .choices(["finish", "cancel"])
        .default(RUN_DEFAULTS.deadlineAction),
    );
}

/** Where fal traffic goes. */
function targetOptions(cmd: Command): Command {
  return cmd
    .option("--emulator", "start the fal-protocol emulator on 127.0.0.1 and send all fal traffic to it")
    .addOption(
      new Option("--fal-base-url <url>", "send all fal traffic (queue and storage) to this base URL").env(
        "SEEDREAM_FAL_BASE_URL",
      ),
    )
    .option("--emulator-concurrency <n>", "with --emulator: its account concurrency", wholeNumber(1, 200), 4)
    .option("--emulator-time-scale <x>", "with --emulator: real ms per emulated ms", positiveNumber, 0.01);
}

/** Adds `run` to the program; its options come in groups, one function each. */
export function addRunCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const cmd = withManifestOptions(
    program
      .command("run")
      .description("run a pipeline manifest against fal (FAL_KEY), a base URL, or the built-in emulator")
      .argument("<manifest>", "YAML pipeline or standalone CSV"),
  );
  for (const group of [
    outputOptions,
    spendAndLogOptions,
    selectionOptions,
    retryAndTimeOptions,
    targetOptions,
  ])
    group(cmd);
  cmd.addHelpText("after", EXIT_CODES_HELP).action(async (manifest: string, flags) => {
    const { runCommand } = await import("./run-command.js");
    done(await runCommand(manifest, flags, io));
  });
}
