import { type InferenceTime, startEmulator } from "../emulator/index.js";
import type { CliIo } from "./streams.js";

export interface EmulatorFlags {
  readonly port: number;
  readonly host: string;
  readonly concurrency: number;
  readonly inferenceMs: InferenceTime;
  readonly timeScale: number;
}

/** `seedream-pipeline emulator`: serve until SIGINT or SIGTERM. */
export async function emulatorCommand(flags: EmulatorFlags, io: CliIo): Promise<number> {
  const emulator = await startEmulator({
    port: flags.port,
    host: flags.host,
    concurrency: flags.concurrency,
    inferenceMs: flags.inferenceMs,
    timeScale: flags.timeScale,
  });
  io.stdout.write(
    `fal emulator listening on ${emulator.url} (concurrency ${flags.concurrency})\n` +
      `run against it: seedream-pipeline run <manifest> --fal-base-url ${emulator.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await emulator.close();
  return 0;
}
