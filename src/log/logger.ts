import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";

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
}

/** Creates the logger: JSON lines when not on a terminal (cron), readable lines on one. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const usePretty = options.pretty ?? stream.isTTY === true;
  const destination: DestinationStream = usePretty
    ? pretty({ destination: stream, colorize: true, sync: true, ignore: "pid,hostname" })
    : (stream as DestinationStream);
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: null,
    },
    destination,
  );
}

/** A logger that writes nothing, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
