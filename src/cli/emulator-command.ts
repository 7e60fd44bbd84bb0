import { type Command, Option } from "commander";
import type { EmulatorFaults, InferenceTime, ScheduledOutage } from "../emulator/index.js";
import {
  capacitySteps,
  holdOrMs,
  msRange,
  outageSpec,
  positiveNumber,
  priceSpec,
  probability,
  wholeNumber,
} from "./parse-values.js";
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
  readonly outage?: ScheduledOutage[];
  readonly delaySubmitAnswer?: number | "hold";
  readonly price?: Record<string, number>;
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
  if (f.delaySubmitAnswer !== undefined) out.delaySubmitAnswerMs = f.delaySubmitAnswer;
  return out as EmulatorFaults;
}

/** `seedream-pipeline emulator`: serve until SIGINT or SIGTERM. */
export async function emulatorCommand(flags: EmulatorFlags, io: CliIo): Promise<number> {
  const emulator = await (await import("../emulator/index.js")).startEmulator({
    port: flags.port,
    host: flags.host,
    concurrency: flags.concurrency,
    inferenceMs: flags.inferenceMs,
    timeScale: flags.timeScale,
    faults: faultsOf(flags),
    render: flags.render,
    randomSeed: flags.seed,
    ...(flags.capacitySteps ? { capacitySchedule: flags.capacitySteps } : {}),
    ...(flags.outage ? { outages: flags.outage } : {}),
    ...(flags.price ? { prices: flags.price } : {}),
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

/**
 * Declares `seedream-pipeline emulator` and its flags on the program. Long only because it is
 * the flag list: one declaration per flag, read top to bottom like `--help`.
 */
export function addEmulatorCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("emulator")
    .description("serve the fal-protocol emulator until stopped")
    .option("-p, --port <port>", "port (0 picks a free one)", wholeNumber(0, 65535), 8787)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("-c, --concurrency <n>", "account concurrency C", wholeNumber(1, 1000), 2)
    .option(
      "--inference-ms <ms>",
      "inference time: MS or MIN-MAX (milliseconds, or with units: 5s-60s)",
      msRange,
      { min: 5000, max: 60000 },
    )
    .option("--time-scale <x>", "real ms per emulated ms", positiveNumber, 1)
    .option(
      "--capacity-steps <steps>",
      "changes of C during the run: MS:C,… (real ms after start), e.g. 8000:25,16000:6",
      capacitySteps,
    )
    .option(
      "--rate-limit <per-second>",
      "gateway rate limit over every queue and storage call (429 beyond it)",
      positiveNumber,
    )
    .addOption(
      new Option("--retry-after <form>", "how a 429 says when to come back")
        .choices(["seconds", "date", "none"])
        .default("seconds"),
    )
    .option(
      "--max-queue <n>",
      "most requests waiting IN_QUEUE; a submit beyond it gets 429",
      wholeNumber(0, 1_000_000),
    )
    .option("--status-errors <p>", "probability a status call answers 503", probability)
    .option("--result-errors <p>", "probability a result call answers 502", probability)
    .option("--resets <p>", "probability a queue call's connection is reset", probability)
    .option(
      "--fail-requests <p>",
      "probability a request completes with a retryable runner_error",
      probability,
    )
    .option("--truncate-downloads <p>", "probability a result download is cut short", probability)
    .option("--slow-downloads <ms>", "delay before each file download", wholeNumber(0, 600_000))
    .addOption(
      new Option("--render <mode>", "full: draw prompt and inputs; fast: one cached image per size")
        .choices(["full", "fast"])
        .default("full"),
    )
    .option(
      "--outage <at+duration:kind>",
      "an outage from AT for DURATION real ms: refuse, reset, 502, 503 or 504 (repeatable), e.g. 5000+120000:refuse",
      outageSpec,
    )
    .option(
      "--delay-submit-answer <ms>",
      "hold each submit's answer this long after accepting it (or `hold`: until stopped)",
      holdOrMs,
    )
    .option(
      "--price <model=usd>",
      "price per image it serves at /v1/models/pricing and bills, e.g. seedream-v4.5=0.03 (repeatable)",
      priceSpec,
    )
    .option("--seed <n>", "seed of the emulator's random numbers", wholeNumber(0, 2 ** 31), 1)
    .action(async (flags: EmulatorFlags) => done(await emulatorCommand(flags, io)));
}
