import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { type Clock, systemClock } from "../clock.js";
import {
  createEditClient,
  createRequestHistory,
  type FalAccess,
  mediaFetch,
  redirectingFetch,
  Traffic,
} from "../fal/index.js";
import { makeFolder } from "../files/index.js";
import type { Journal } from "../journal/journal.js";
import { lockOutput, renderShardsHold } from "../journal/lock.js";
import { openJournal } from "../journal/open-journal.js";
import { priceBook } from "../journal/spend.js";
import { checkStateFolder } from "../journal/state-folder.js";
import { UploadCache } from "../journal/upload-cache.js";
import { type Logger, silentLogger } from "../log/logger.js";
import { cleanTempFiles } from "../outputs/index.js";
import type { Plan } from "../plan/index.js";
import type { StreamedReport } from "../report/index.js";
import { countJobs } from "../report/merge-report.js";
import { type ExecuteOptions, executePlan, outageGate } from "../run/execute-plan.js";
import { type RunSettings, runConfig } from "../run/run-config.js";
import type { RunEnd } from "../run/run-stop.js";
import { writeRunReport } from "./finish-run.js";
import { ReviewPass } from "./honour-review.js";
import { decideStarts } from "./job-starts.js";
import type { LoadPlanOptions } from "./load-plan.js";
import { findOrphans, pathsRewritten } from "./orphans.js";
import { profileTrust } from "./profile-trust.js";
import { logRepair } from "./repair-log.js";
import { replayedResultCheck } from "./replayed-results.js";
import { reviewInputsOf } from "./review-inputs.js";
import { loadRunPlan, pricedPlan } from "./run-plan.js";
import { writeReview } from "./write-review.js";

/** Options of `runPipeline`: the run's settings (see `RunSettings`), the manifest and where fal is. */
export interface RunPipelineOptions
  extends LoadPlanOptions,
    RunSettings,
    Pick<ExecuteOptions, "hooks" | "signal" | "onProgress"> {
  /** Path of the YAML or CSV manifest. */
  readonly manifestPath: string;
  /** The runner's version, named in the run's first log line. */
  readonly version?: string;
  /** Where fal traffic goes (see `resolveFalAccess`). */
  readonly access: FalAccess;
  readonly logger?: Logger;
  /** @default the system clock */
  readonly clock?: Clock;
  /** The fetch under every fal call. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * The fetch for result downloads and upload checks: with a base URL, fal's CDN (`*.fal.media`)
 * goes there too, like every other fal host, so a recording proxy sees every byte fal sends.
 * Against fal, each media host name is resolved and refused if it points inside (DNS
 * rebinding), connecting to the address checked (see `mediaFetch`).
 */
function downloadFetch(options: RunPipelineOptions): typeof fetch {
  const { target } = options.access;
  if (target.kind === "base-url") return redirectingFetch(target.baseUrl, options.fetch ?? globalThis.fetch);
  return options.fetch ?? mediaFetch();
}

/** The counts over the jobs the run took: the report's own when it took them all (no pass). */
function runCounts(report: StreamedReport, plan: Plan): ReturnType<typeof countJobs> {
  const t = report.totals;
  if (plan.jobs.length === t.jobs) {
    const { jobs, succeeded, failed, skipped, canceled, unfinished, not_run, images, bytes } = t;
    return { jobs, succeeded, failed, skipped, canceled, unfinished, not_run, images, bytes };
  }
  const selected = new Set(plan.jobs.map((j) => j.id));
  return countJobs(
    (function* () {
      for (const j of report.jobs) if (selected.has(j.id)) yield j;
    })(),
  );
}

/** What `runPipeline` returns: the run's result, where it went, and what the review found. */
export interface PipelineResult {
  /** The run's report (its jobs are made as they are read: see `buildReport`). */
  readonly report: StreamedReport;
  /** Why the run ended. */
  readonly end: RunEnd;
  /** fal's message when the credentials were rejected. */
  readonly endMessage?: string;
  readonly outputDir: string;
  readonly reviewWarnings: readonly string[];
  /** Output files found not as written (missing, or other bytes), made again from the originals. */
  readonly differs: readonly string[];
  /** The counts over the jobs this run took (the report's totals cover every job of the manifest). */
  readonly runTotals: ReturnType<typeof countJobs>;
}

/**
 * Reads, plans and runs a manifest, durably: one run at a time per output folder (a lock), a
 * journal of every step under `.state/`, and a run that picks up where an earlier one stopped
 * (re-attaching to its requests, writing what it fetched, skipping what is up to date).
 * Images go under `<outputRoot>/<name>/`, then `report.json` and `runs/<run-id>.json`.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineResult> {
  // Long (~85 lines) on purpose: it is the one place where the run reads as its sequence (lock,
  // load the plan, replay the journal, execute, finish, release); each step is a call.
  const loaded = await loadRunPlan(options);
  const config = runConfig(options, loaded);
  const logger = options.logger ?? silentLogger();
  for (const warning of loaded.plan.warnings) logger.warn(warning);
  const outputDir = resolve(join(config.outputRoot, loaded.plan.name));
  const clock = options.clock ?? systemClock;
  // The first line of a run, for cron logs: what runs, from which manifest, into where, against which fal.
  logger.info(
    {
      version: options.version,
      manifest: options.manifestPath,
      output: outputDir,
      fal: options.access.description,
    },
    "seedream-pipeline run",
  );
  await checkStateFolder(outputDir);
  await makeFolder(join(outputDir, ".state"));
  const release = await lockOutput(outputDir, (error) =>
    logger.error({ cause: error.message }, "the run lock was lost"),
  );
  let journal: Journal | undefined;
  try {
    const { plan: fullPlan, allJobs } = await pricedPlan(loaded, outputDir, options, clock, logger);
    const removed = await cleanTempFiles(outputDir);
    if (removed > 0) logger.info({ removed }, "removed temporary files of an interrupted run");
    const source = options.access.source ?? options.access.description;
    const priceOf = priceBook(allJobs, fullPlan.prices);
    const opened = await openJournal(outputDir, config.fresh, clock, source, priceOf, {
      checkResult: replayedResultCheck(options.access.target, source),
      repair: config.repairJournal,
    });
    if (opened.repair) logRepair(opened.repair, logger);
    const { states } = opened;
    journal = opened.journal;
    const reviewPass = await ReviewPass.open(outputDir, logger);
    const { plan, starts, differs } = await decideStarts(
      fullPlan,
      outputDir,
      states,
      config,
      journal,
      source,
      logger,
      reviewPass,
    );
    const currentKeys = new Set(allJobs.map((j) => j.key));
    const rewritten = pathsRewritten(states, allJobs, currentKeys);
    const orphans = await findOrphans(outputDir, states, currentKeys, rewritten);
    if (orphans.length > 0)
      logger.warn(
        { jobs: orphans.length, files: orphans.reduce((n, o) => n + o.paths.length, 0) },
        "outputs of jobs no longer in the manifest are listed in the report as orphans (`seedream-pipeline prune` removes them)",
      );
    const runId = `${new Date(clock.now()).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
    // `render` processes at work on the folder render what this run keeps: rendering here too
    // would make images twice.
    const renders = config.render && !(await renderShardsHold(outputDir));
    if (config.render && !renders)
      logger.warn(
        "`seedream-pipeline render` is at work on this folder: this run only delivers (as --no-render)",
      );
    journal.appendNow({
      type: "run",
      run: runId,
      pid: process.pid,
      ...(renders ? {} : { renders: false as const }),
    });

    const knownRequests = [...states.values()].flatMap((s) => s.requests);
    opened.startsDecided();

    const traffic = new Traffic(clock, Math.random, outageGate(clock, logger));
    const client = createEditClient({
      target: options.access.target,
      credentials: options.access.credentials,
      traffic,
      streamSilenceMs: config.streamSilenceMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const executed = await executePlan({
      config,
      plan,
      fal: {
        client,
        traffic,
        target: options.access.description,
        history: createRequestHistory({
          target: options.access.target,
          credentials: options.access.credentials,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
        historyTrust: await profileTrust(outputDir, options, logger),
        knownRequests,
        downloadFetch: downloadFetch(options),
      },
      state: {
        outputDir,
        journal,
        uploadCache: await UploadCache.open(outputDir, {
          target: options.access.description,
          source,
          logger,
        }),
        starts,
      },
      render: renders,
      runId,
      clock,
      logger,
      hooks: options.hooks,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const report = await writeRunReport({
      plan,
      outcomes: executed.outcomes,
      runId: executed.runId,
      manifestPath: options.manifestPath,
      outputDir,
      startedAt: executed.startedAt,
      finishedAt: executed.finishedAt,
      falTarget: options.access.description,
      concurrency: executed.concurrency,
      end: executed.end,
      traffic,
      ...(await opened.facts(runId)),
      logger,
      keepRuns: config.keepRuns,
      decorate: (r) => reviewPass.decorate(r),
      ...(allJobs.length === plan.jobs.length ? {} : { allJobs }),
      orphans,
    });
    const result = {
      report,
      end: executed.end,
      ...(executed.endMessage === undefined ? {} : { endMessage: executed.endMessage }),
    };
    // A gallery or contact sheet that fails is a warning naming it; never the run's failure.
    const review = await writeReview(outputDir, result.report, logger, reviewInputsOf(allJobs));
    const runTotals = runCounts(result.report, plan);
    return { ...result, outputDir, reviewWarnings: review.warnings, differs, runTotals };
  } finally {
    journal?.close();
    await release();
  }
}
