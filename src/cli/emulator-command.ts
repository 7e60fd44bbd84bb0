import { type EmulatorFaults, type InferenceTime, startEmulator } from "../emulator/index.js";
import type { CliIo } from "./streams.js";

export interface EmulatorFlags {
  readonly port: number;
  readonly host: string;
  readonly concurrency: number;
  readonly inferenceMs: InferenceTime;
  readonly timeScale: number;
  readonly capacitySteps?: Array<{ atMs: number; concurrency: number }>;
  readonly rateLimit?: number;
  readonly retryAfter: "seconds" | "date" | "none";
  readonly maxQueue?: number;
  readonly statusErrors?: number;
  readonly resultErrors?: number;
  readonly resets?: number;
  readonly failRequests?: number;
  readonly truncateDownloads?: number;
  readonly slowDownloads?: number;
  readonly render: "full" | "fast";
  readonly seed: number;
}

/** The emulator's faults from the command's flags. */
function faultsOf(f: EmulatorFlags): EmulatorFaults {
  const out: Record<string, unknown> = {};
  if (f.rateLimit !== undefined) out.rateLimit = { perSecond: f.rateLimit, retryAfter: f.retryAfter };
  if (f.maxQueue !== undefined) out.maxQueueLength = f.maxQueue;
  if (f.statusErrors !== undefined) out.statusErrorRate = f.statusErrors;
  if (f.resultErrors !== undefined) out.resultErrorRate = f.resultErrors;
  if (f.resets !== undefined) out.resetRate = f.resets;
  if (f.failRequests !== undefined) out.failRequests = f.failRequests;
  if (f.truncateDownloads !== undefined) out.truncateDownloads = f.truncateDownloads;
  if (f.slowDownloads !== undefined) out.slowDownloadsMs = f.slowDownloads;
  return out as EmulatorFaults;
}

/** `seedream-pipeline emulator`: serve until SIGINT or SIGTERM. */
export async function emulatorCommand(flags: EmulatorFlags, io: CliIo): Promise<number> {
  const emulator = await startEmulator({
    port: flags.port,
    host: flags.host,
    concurrency: flags.concurrency,
    inferenceMs: flags.inferenceMs,
    timeScale: flags.timeScale,
    faults: faultsOf(flags),
    render: flags.render,
    randomSeed: flags.seed,
    ...(flags.capacitySteps ? { capacitySchedule: flags.capacitySteps } : {}),
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
