import { randomUUID } from "node:crypto";
import { join } from "node:path";
import pLimit from "p-limit";
import type { EditClient } from "../fal/index.js";
import { type Logger, silentLogger } from "../log/logger.js";
import { writeFileSafely } from "../outputs/index.js";
import type { Plan } from "../plan/index.js";
import { buildReport, type Report } from "../report/index.js";
import type { JobOutcome } from "./job-outcome.js";
import { runJob } from "./run-job.js";
import { uploadInputs } from "./upload-inputs.js";

/** Options of one run of a plan. */
export interface ExecuteOptions {
  readonly plan: Plan;
  /** The manifest path as the user gave it, for the report. */
  readonly manifestPath: string;
  /** The pipeline's output folder (`<output root>/<name>`). */
  readonly outputDir: string;
  readonly client: EditClient;
  /** Requests in flight at once. @default 2 */
  readonly concurrency?: number;
  /** Where fal traffic went, for the report: `fal` or a base URL. */
  readonly falTarget: string;
  readonly logger?: Logger;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  readonly runId?: string;
  /** fetch for result downloads. @default globalThis.fetch */
  readonly downloadFetch?: typeof fetch;
}

/** How a run ended, beyond each job's status. */
export type RunEnd = "completed" | "credentials_rejected";

export interface ExecuteResult {
  readonly report: Report;
  readonly end: RunEnd;
  /** fal's message when the credentials were rejected. */
  readonly endMessage?: string;
}

/**
 * Runs every job of a plan through fal, at most `concurrency` at once, writes the images
 * and `report.json` in `outputDir`. A failed job never stops the others; rejected
 * credentials stop all submitting.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  const concurrency = options.concurrency ?? 2;
  const startedAt = now();
  const runId =
    options.runId ?? `${new Date(startedAt).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  const { plan } = options;
  logger.info({ runId, jobs: plan.jobs.length, uploads: plan.uploads.length, concurrency }, "run started");

  let authMessage: string | undefined;
  const onAuthFailure = (message: string) => {
    authMessage ??= message;
  };
  const uploads = await uploadInputs(plan.uploads, options.client, concurrency, logger);
  for (const r of uploads.values())
    if ("failure" in r && r.failure.kind === "auth") onAuthFailure(r.failure.message);

  const outcomes = new Map<string, JobOutcome>();
  const limit = pLimit(concurrency);
  const ctx = {
    client: options.client,
    uploads,
    outputDir: options.outputDir,
    logger,
    now,
    onAuthFailure,
    ...(options.downloadFetch ? { downloadFetch: options.downloadFetch } : {}),
  };
  await Promise.all(
    plan.jobs.map((job) =>
      limit(async () => {
        if (authMessage !== undefined) {
          outcomes.set(job.id, {
            status: "not_run",
            reason: `not submitted: fal rejected the credentials (${authMessage})`,
          });
          return;
        }
        outcomes.set(job.id, await runJob(job, ctx));
      }),
    ),
  );

  const report = buildReport(plan, outcomes, {
    runId,
    manifestPath: options.manifestPath,
    startedAt,
    finishedAt: now(),
    falTarget: options.falTarget,
    concurrency,
  });
  await writeFileSafely(join(options.outputDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  logger.info({ runId, ...report.totals, report: join(options.outputDir, "report.json") }, "run finished");
  const end: RunEnd = authMessage === undefined ? "completed" : "credentials_rejected";
  return { report, end, ...(authMessage === undefined ? {} : { endMessage: authMessage }) };
}
