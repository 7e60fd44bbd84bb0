import { createWriteStream } from "node:fs";
import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";
import { envScrubber, type SecretScrubber, scrubbedStream } from "./secret-scrubber.js";

export type { Logger };

/** Paths pino blanks wherever they appear, so a key can never reach a log line. */
export const REDACT_PATHS = [
  "key",
  "falKey",
  "credentials",
  "authorization",
  "headers.authorization",
  "*.authorization",
  "*.credentials",
  "*.key",
];

export interface LoggerOptions {
  /** @default "info", or LOG_LEVEL */
  readonly level?: string;
  /** Where lines go. @default process.stderr */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Human-readable lines instead of JSON. @default whether `stream` is a terminal */
  readonly pretty?: boolean;
  /** Also write every line, as JSON, to this file (at `fileLevel`). */
  readonly file?: string;
  /** @default "info" */
  readonly fileLevel?: string;
  /** What every line is scrubbed of, on the terminal and in the file. @default every credential in process.env */
  readonly secrets?: SecretScrubber;
}

/** Creates the logger: JSON lines when not on a terminal (cron), readable lines on one. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? envScrubber(process.env);
  const stream = scrubbedStream(options.stream ?? process.stderr, secrets);
  const usePretty = options.pretty ?? stream.isTTY === true;
  const main: DestinationStream = usePretty
    ? pretty({ destination: stream, colorize: true, sync: true, ignore: "pid,hostname" })
    : (stream as DestinationStream);
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  // ISO times: cron logs are read by people and by log shippers alike.
  const config = {
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!options.file) return pino({ ...config, level }, main);
  const fileLevel = options.fileLevel ?? "info";
  const lowest = pino.levels.values[level] ?? 30;
  const fileValue = pino.levels.values[fileLevel] ?? 30;
  return pino(
    { ...config, level: lowest <= fileValue ? level : fileLevel },
    pino.multistream([
      { stream: main, level: level as pino.Level },
      {
        stream: scrubbedStream(createWriteStream(options.file, { flags: "a" }), secrets),
        level: fileLevel as pino.Level,
      },
    ]),
  );
}

/** A logger that writes nothing, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
