import { relative } from "node:path";
import type { Emulator } from "../emulator/index.js";
import { PipelineError } from "../errors.js";
import { resolveFalAccess } from "../fal/index.js";
import { createLogger } from "../log/logger.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import type { Report } from "../report/index.js";
import type { RunSettings } from "../run/run-config.js";
import { EXIT, unwritableEndLine } from "./exit-codes.js";
import { notify } from "./notify.js";
import { type PlanFlags, planCommand, planOptions } from "./plan-command.js";
import { progressReporter } from "./progress-reporter.js";
import type { CliIo } from "./streams.js";
import { version } from "./version.js";

/** `run`'s flags as commander gives them: those with a default (`RUN_DEFAULTS`) are always there. */
export interface RunFlags extends PlanFlags {
  readonly dryRun?: boolean;
  readonly maxConcurrency?: number;
  readonly retries: number;
  readonly quiet?: boolean;
  readonly logFile?: string;
  readonly progressEvery: number;
  readonly notifyUrl?: string;
  readonly maxCost?: number;
  readonly fresh?: boolean;
  readonly repairJournal?: boolean;
  readonly force?: boolean;
  readonly retryFailed?: boolean;
  readonly keepRuns: number;
  readonly verify?: boolean;
  /** false with --no-render. */
  readonly render: boolean;
  readonly renderBacklog: number;
  readonly retryBackoff: number;
  readonly jobTimeout?: number;
  readonly startTimeout: number;
  readonly maxRunTime: number;
  readonly mediaLifetime: number;
  readonly streamSilence: number;
  /** commander's `--no-store-io`: false when given. */
  readonly storeIo: boolean;
  readonly deadline?: number;
  readonly outageTimeout: number;
  readonly deadlineAction: "finish" | "cancel";
  readonly output: string;
  readonly concurrency?: number | "auto";
  readonly emulator?: boolean;
  readonly falBaseUrl?: string;
  readonly emulatorConcurrency: number;
  readonly emulatorTimeScale: number;
}

/** `seedream-pipeline run`: resolve where fal is, run the manifest, print where things went. */
export async function runCommand(manifestPath: string, flags: RunFlags, io: CliIo): Promise<number> {
  // Long because it is the command's sequence in order (signals, logger, target, notify, run,
  // summary, notify); the parts with logic of their own are the functions below.
  if (flags.dryRun) return planCommand(manifestPath, flags, io);
  const startedAt = Date.now();
  const stop = stopOnSignals(io);
  // On a terminal the live progress line replaces the info lines; LOG_LEVEL overrides.
  const level = io.env.LOG_LEVEL ?? (flags.quiet || io.stderr.isTTY ? "warn" : "info");
  const logger = createLogger({
    stream: io.stderr,
    level,
    ...(flags.logFile ? { file: flags.logFile } : {}),
  });
  const progress = progressReporter(io.stderr, logger, {
    quiet: flags.quiet === true,
    everyMs: flags.progressEvery,
    now: Date.now,
  });
  let emulator: Emulator | undefined;
  try {
    if (flags.emulator && flags.falBaseUrl !== undefined)
      throw new PipelineError("USAGE", "--emulator and --fal-base-url exclude each other");
    // Credentials are checked before anything starts, so a missing key sends nothing.
    if (!flags.emulator)
      resolveFalAccess({ env: io.env, ...(flags.falBaseUrl ? { baseUrl: flags.falBaseUrl } : {}) });
    if (flags.emulator) {
      const { startEmulator } = await import("../emulator/index.js");
      emulator = await startEmulator({
        concurrency: flags.emulatorConcurrency,
        timeScale: flags.emulatorTimeScale,
      });
      logger.info(
        { url: emulator.url, concurrency: flags.emulatorConcurrency },
        "built-in fal emulator started",
      );
    }
    const access = resolveFalAccess({
      env: io.env,
      ...(emulator ? { emulatorUrl: emulator.url } : {}),
      ...(flags.falBaseUrl ? { baseUrl: flags.falBaseUrl } : {}),
    });
    if (flags.notifyUrl)
      await notify(
        flags.notifyUrl,
        "start",
        { manifest: manifestPath, started_at: new Date(startedAt).toISOString() },
        logger,
      );
    const result = await runPipeline({
      onProgress: progress.onProgress,
      ...planOptions(flags, io),
      manifestPath,
      version: version(),
      access,
      logger,
      ...runSettings(flags, startedAt),
      signal: stop.signal,
    });
    progress.stop();
    // This run's jobs: with --only, --limit or --retry-failed the report also holds the others.
    const t = result.runTotals;
    const where = relative(process.cwd(), result.outputDir) || ".";
    const code = exitCodeOf(result.end, t, stop.signalled());
    printSummary(result, flags, where, io);
    if (flags.notifyUrl)
      await notify(
        flags.notifyUrl,
        code === EXIT.ok ? "success" : "fail",
        {
          pipeline: result.report.pipeline,
          run: result.report.run,
          totals: result.report.totals,
          ended_by: result.end,
          exit_code: code,
          report: `${where}/report.json`,
        },
        logger,
      );
    return code;
  } finally {
    stop.dispose();
    await emulator?.close();
  }
}

/**
 * `spent: $0.240 (6 requests completed, 1 pending, 0 in doubt); all runs: $1.200`, from the
 * report's spend. On the built-in emulator nothing is billed: the same figures are what the
 * run would cost on fal.
 */
function spendLine(spend: Report["totals"]["spend"], emulated: boolean): string {
  if (!spend) return "";
  const usd = (n: number) => `$${n.toFixed(3)}`;
  const { run, all_runs: all } = spend;
  const open = run.pending.requests + run.in_doubt.requests;
  const atMost = open > 0 ? ` (up to ${usd(run.pending.cost_usd + run.in_doubt.cost_usd)} more)` : "";
  const lead = emulated ? "emulated, nothing spent: on fal this would cost" : "spent:";
  const allRuns = emulated ? "all runs of this folder would cost" : "all runs of this folder:";
  return `${lead} ${usd(run.completed.cost_usd)} for ${run.completed.requests} request${run.completed.requests === 1 ? "" : "s"} completed, ${run.pending.requests} pending, ${run.in_doubt.requests} in doubt${atMost}; ${allRuns} ${usd(all.completed.cost_usd)}\n`;
}

/** `failed: a, b, …` for a cron summary (at most 50 ids), or nothing. */
function idsLine(jobs: Iterable<{ id: string; status: string }>, status: string, label: string): string {
  const ids: string[] = [];
  let count = 0;
  for (const j of jobs) if (j.status === status && ++count <= 50) ids.push(j.id);
  if (count === 0) return "";
  return `${label}: ${ids.join(", ")}${count > 50 ? `, … (${count} in all)` : ""}\n`;
}

/** The exit code of a finished run (see EXIT_CODES_HELP). */
function exitCodeOf(
  end: string,
  t: { failed: number; unfinished: number; not_run: number; canceled: number },
  signalled: NodeJS.Signals | undefined,
): number {
  if (end === "credentials_rejected") return EXIT.usage;
  if (end === "interrupted") return signalled === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
  if (end === "budget" || end === "deadline") return EXIT.stopped;
  if (end === "fal_unavailable") return EXIT.unavailable;
  if (end === "output_unwritable") return EXIT.unwritable;
  return t.failed + t.unfinished + t.not_run + t.canceled > 0 ? EXIT.jobsFailed : EXIT.ok;
}

/** The run's settings, from its flags (`runConfig` checks them and applies what is left out). */
function runSettings(flags: RunFlags, startedAt: number): RunSettings {
  return {
    outputRoot: flags.output,
    concurrency: flags.concurrency,
    maxConcurrency: flags.maxConcurrency,
    maxCostUsd: flags.maxCost,
    fresh: flags.fresh,
    repairJournal: flags.repairJournal,
    force: flags.force,
    retryFailed: flags.retryFailed,
    keepRuns: flags.keepRuns,
    verify: flags.verify,
    render: flags.render,
    renderPool: { backlog: flags.renderBacklog },
    retry: { maxAttempts: flags.retries, baseMs: flags.retryBackoff },
    jobTimeoutMs: flags.jobTimeout,
    startTimeoutMs: flags.startTimeout,
    maxRunTimeMs: flags.maxRunTime,
    mediaLifetimeMs: flags.mediaLifetime,
    storeIo: flags.storeIo,
    streamSilenceMs: flags.streamSilence,
    deadlineAt: flags.deadline === undefined ? undefined : startedAt + flags.deadline,
    outageTimeoutMs: flags.outageTimeout,
    deadlineAction: flags.deadlineAction,
  };
}

/**
 * The night's second stage: what is rendered, and what fal delivered (paid, kept) that is not
 * yet, which the next run or `seedream-pipeline render` renders at no cost.
 */
function renderedLine(images: number, unrendered: number, where: string): string {
  if (unrendered === 0) return `${images} images in ${where}/\n`;
  return (
    `${images} images rendered in ${where}/; ${unrendered} delivered by fal (paid, kept) and not rendered yet: ` +
    `\`seedream-pipeline render ${where}\` or the next run renders them, at no cost\n`
  );
}

/** What the run did, for a person or cron's mail: counts, where things went, which jobs failed. */
function printSummary(
  result: Awaited<ReturnType<typeof runPipeline>>,
  flags: RunFlags,
  where: string,
  io: CliIo,
): void {
  const t = result.runTotals;
  io.stdout.write(
    `${t.jobs} jobs: ${t.succeeded} succeeded, ${t.skipped ? `${t.skipped} up to date, ` : ""}${t.failed} failed${t.unfinished ? `, ${t.unfinished} unfinished (the next run resumes them)` : ""}${t.canceled ? `, ${t.canceled} canceled` : ""}${t.not_run ? `, ${t.not_run} not run` : ""}\n` +
      `${renderedLine(t.images, result.report.totals.unrendered_images ?? 0, where)}report: ${where}/report.json\ngallery: ${where}/index.html\n`,
  );
  if (flags.verify || result.differs.length > 0)
    io.stdout.write(
      `${flags.verify ? "verify: every output hashed; " : ""}${result.differs.length} file${result.differs.length === 1 ? "" : "s"} not as written${result.differs.length > 0 ? ` (made again from fal's originals): ${result.differs.slice(0, 20).join(", ")}${result.differs.length > 20 ? ", …" : ""}` : ""}\n`,
    );
  io.stdout.write(spendLine(result.report.totals.spend, flags.emulator === true));
  for (const w of result.reviewWarnings) io.stderr.write(`seedream-pipeline: ${w}\n`);
  // Each a pass over every job, so only when the totals say there are some.
  const all = result.report.totals;
  if (all.failed > 0)
    io.stdout.write(idsLine(result.report.jobs, "failed", "failed (--retry-failed sends them again)"));
  if (all.unfinished > 0)
    io.stdout.write(idsLine(result.report.jobs, "unfinished", "unfinished (the next run resumes them)"));
  if (result.end === "credentials_rejected")
    io.stderr.write(`seedream-pipeline: fal rejected the credentials: ${result.endMessage ?? ""}\n`);
  if (result.end === "budget")
    io.stderr.write(`seedream-pipeline: the budget is spent: ${t.not_run + t.canceled} jobs not run\n`);
  if (result.end === "fal_unavailable")
    io.stderr.write(
      `seedream-pipeline: fal was unavailable past --outage-timeout: ${t.unfinished + t.not_run + t.canceled} jobs left for the next run\n`,
    );
  if (result.end === "deadline")
    io.stderr.write(`seedream-pipeline: the deadline passed: ${t.not_run + t.canceled} jobs not run\n`);
  if (result.end === "output_unwritable") io.stderr.write(`${unwritableEndLine(result.endMessage ?? "")}\n`);
}

/**
 * How long after the first SIGINT/SIGTERM the run may take to stop on its own: past it, the
 * process exits (cron and service managers kill at 10 s; the journal is whole then too).
 */
const STOP_GRACE_MS = 8000;

/**
 * First SIGINT/SIGTERM: stop submitting, journal what is in flight, write the report, exit
 * 130/143. A second SIGINT exits at once (the journal is whole: every line is one write), and so
 * does a run still not stopped `STOP_GRACE_MS` after the first signal, whatever it was doing.
 */
function stopOnSignals(io: CliIo) {
  const interrupt = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
    if (signalled === "SIGINT" && signal === "SIGINT") process.exit(code);
    if (signalled === undefined)
      setTimeout(() => {
        io.stderr.write(
          `seedream-pipeline: still stopping ${STOP_GRACE_MS / 1000} s after ${signal}: exiting now (the next run picks up from the journal)\n`,
        );
        process.exit(code);
      }, STOP_GRACE_MS).unref();
    signalled ??= signal;
    io.stderr.write(
      `seedream-pipeline: ${signal}: stopping (in-flight requests are kept for the next run)\n`,
    );
    interrupt.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: interrupt.signal,
    signalled: () => signalled,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
