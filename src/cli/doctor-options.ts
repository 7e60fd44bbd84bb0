import { type Command, Option } from "commander";
import { RUN_DEFAULTS } from "../run/defaults.js";
import { durationAtLeast, parseDuration } from "./duration.js";
import type { CliIo } from "./streams.js";

/** Adds `doctor` to the program. */
export function addDoctorCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("doctor")
    .description(
      "check, with your key, what a night relies on at fal (key, pricing, request history, models); --live also sends one request per endpoint and records what it verified",
    )
    .argument(
      "[manifest]",
      "the manifest whose endpoints and output folder to check (default: every Seedream endpoint, your config folder)",
    )
    .option(
      "--live",
      "send one smallest request per endpoint (billed) and verify queue URLs, stream, history and result",
    )
    .option(
      "-o, --output <dir>",
      "output root of the manifest's night: the profile goes in <dir>/<name>/.state/",
      "output",
    )
    .option("--model <model>", "standalone CSV: model for rows without a model cell")
    .option("--name <name>", "standalone CSV: pipeline name (default: the file's name)")
    .option(
      "--start-timeout <duration>",
      "as for run: fal's bound on time queued",
      durationAtLeast(2000, "fal accepts only more than 1 second"),
      RUN_DEFAULTS.startTimeoutMs,
    )
    .option(
      "--max-run-time <duration>",
      "as for run: the longest a request runs at fal",
      parseDuration,
      RUN_DEFAULTS.maxRunTimeMs,
    )
    .option("--emulator", "check the built-in emulator instead of fal")
    .addOption(
      new Option("--fal-base-url <url>", "check this base URL instead of fal").env("SEEDREAM_FAL_BASE_URL"),
    )
    .action(async (manifest: string | undefined, flags) => {
      const { doctorCommand } = await import("./doctor-command.js");
      done(await doctorCommand(manifest, flags, io));
    });
}
