import { Command, CommanderError } from "commander";
import { envScrubber, scrubbedStream } from "../log/secret-scrubber.js";
import { addDoctorCommand } from "./doctor-options.js";
import { addEmulatorCommand } from "./emulator-command.js";
import { EXIT, EXIT_CODES_HELP, reportError } from "./exit-codes.js";
import { addFolderCommands, addSchemaCommand } from "./folder-commands.js";
import { showDefaultsAsWritten } from "./help-defaults.js";
import { addInitCommand } from "./init-command.js";
import { addManifestCommands } from "./manifest-commands.js";
import { addReviewCommands } from "./review-commands.js";
import { addRunCommand } from "./run-options.js";
import type { CliIo } from "./streams.js";
import { version } from "./version.js";

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

  addInitCommand(program, io, done);
  addManifestCommands(program, io, done);
  addRunCommand(program, io, done);
  addDoctorCommand(program, io, done);

  addFolderCommands(program, io, done);
  addReviewCommands(program, io, done);

  addSchemaCommand(program, io, done);
  addEmulatorCommand(program, io, done);
  showDefaultsAsWritten(program);
  return program;
}

/** Runs the CLI; sets `process.exitCode` and resolves with it. Never calls process.exit. */
export async function main(raw: CliIo): Promise<number> {
  // Whatever a command prints, a credential of the environment never reaches the terminal.
  const secrets = envScrubber(raw.env);
  const io: CliIo = {
    ...raw,
    stdout: scrubbedStream(raw.stdout, secrets),
    stderr: scrubbedStream(raw.stderr, secrets),
  };
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
