import { displayUrl, type SavedImage } from "../model/image-record.js";
import type { JobOutcome, JobTimings, Outcomes } from "../model/job-outcome.js";
import type { Spend } from "../model/spend.js";
import { type EndpointPrice, type Job, type Plan, roundUsd } from "../plan/index.js";
import { countJobs } from "./merge-report.js";
import {
  type Report,
  type ReportJob,
  type ReportOutput,
  type ReportPrice,
  type ReportSpend,
  type ReportTimings,
  reiterable,
  type StreamedReport,
} from "./types.js";

/** Facts about the run that the plan and outcomes do not hold. */
export interface RunFacts {
  readonly runId: string;
  readonly manifestPath: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly falTarget: string;
  readonly concurrency: {
    readonly mode: "auto" | "fixed";
    readonly peak: number;
    readonly capacityEstimate: number;
  };
  readonly endedBy: Report["run"]["ended_by"];
  readonly calls: Readonly<Record<string, number>>;
  readonly rateLimited: number;
  /** Each job key's status history across runs (from the journal). */
  readonly history: {
    get(key: string): ReadonlyArray<{ at: number; phase: string; request?: string }> | undefined;
  };
  /** Requests fal accepted, by this run and by every run (from the journal); absent without one. */
  readonly spend?: { readonly run: Spend; readonly total: Spend };
}

function spendEntry(s: Spend): ReportSpend {
  const line = (l: { requests: number; usd: number }) => ({
    requests: l.requests,
    cost_usd: roundUsd(l.usd),
  });
  return {
    accepted: line(s.accepted),
    completed: { ...line(s.completed), images: s.completed.images },
    failed: line(s.failed),
    pending: line(s.pending),
    in_doubt: line(s.inDoubt),
  };
}

function priceEntry(p: EndpointPrice): ReportPrice {
  return {
    endpoint: p.endpointId,
    unit_price_usd: p.unitPriceUsd,
    source: p.source,
    ...(p.fetchedAt === undefined ? {} : { fetched_at: new Date(p.fetchedAt).toISOString() }),
    ...(p.note === undefined ? {} : { note: p.note }),
  };
}

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const span = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : b - a;

function timings(t: JobTimings): ReportTimings {
  const out: Record<string, string | number> = {};
  const put = (k: string, v: string | number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  put("submitted_at", iso(t.submittedAt));
  put("started_at", iso(t.startedAt));
  put("completed_at", iso(t.completedAt));
  put("finished_at", iso(t.finishedAt));
  put("queue_ms", span(t.submittedAt, t.startedAt));
  put("run_ms", span(t.startedAt, t.completedAt));
  put("total_ms", span(t.submittedAt, t.finishedAt));
  return out as ReportTimings;
}

/** An image as the report lists it among a job's outputs. */
export function outputEntry(o: SavedImage): ReportOutput {
  return {
    path: o.path,
    width: o.width,
    height: o.height,
    bytes: o.bytes,
    sha256: o.sha256,
    content_type: o.contentType,
    source_url: o.sourceUrl,
    ...(o.derivatives.length === 0
      ? {}
      : {
          derivatives: o.derivatives.map((d) => ({
            name: d.name,
            path: d.path,
            width: d.width,
            height: d.height,
            bytes: d.bytes,
            sha256: d.sha256,
            content_type: d.contentType,
          })),
        }),
  };
}

/** A job's entry in the report. Long because it is one line per report field, in the schema's order. */
function jobEntry(job: Job, outcome: JobOutcome): ReportJob {
  const base = {
    id: job.id,
    key: job.key,
    endpoint: job.endpoint.id,
    prompt_name: job.promptName,
    size_name: job.sizeName,
    ...(job.rowIndex > 0 ? { row_index: job.rowIndex, row: job.row } : {}),
  };
  if (outcome.status === "not_run")
    return {
      ...base,
      input: { ...job.input },
      ...(outcome.requestId === undefined ? {} : { request_id: outcome.requestId }),
      status: "not_run",
      outputs: [],
      timings: {},
      error: { stage: "schedule", kind: "not_run", message: outcome.reason },
    };
  if (outcome.status === "skipped")
    return {
      ...base,
      input: { ...job.input },
      ...(outcome.requestId === undefined ? {} : { request_id: outcome.requestId }),
      status: "skipped",
      reason: outcome.reason,
      outputs: outcome.outputs.map(outputEntry),
      ...(outcome.unrendered?.length ? { unrendered: outcome.unrendered.length } : {}),
      timings: {},
    };
  const input = { ...job.input, image_urls: outcome.imageUrls.map(displayUrl) };
  const requestId = outcome.requestId === undefined ? {} : { request_id: outcome.requestId };
  const tried = {
    attempts: outcome.attempts.map((a) => ({
      request_id: a.requestId,
      submitted_at: new Date(a.submittedAt).toISOString(),
      outcome: a.outcome,
      ...(a.cause === undefined ? {} : { cause: a.cause }),
    })),
    retries: outcome.retries.map((r) => ({ stage: r.stage, attempt: r.attempt, cause: r.cause })),
  };
  if (outcome.status === "failed" || outcome.status === "unfinished") {
    const e = outcome.error;
    const error = {
      stage: e.stage,
      kind: e.kind,
      class: e.class,
      message: e.message,
      ...("status" in e && e.status !== undefined ? { status: e.status } : {}),
      ...(e.errorType !== undefined ? { error_type: e.errorType } : {}),
      ...("detail" in e && e.detail !== undefined ? { detail: e.detail } : {}),
    };
    return {
      ...base,
      input,
      ...requestId,
      status: outcome.status,
      outputs: [],
      timings: timings(outcome.timings),
      error,
      ...tried,
    };
  }
  if (outcome.status === "canceled")
    return {
      ...base,
      input,
      ...requestId,
      status: "canceled",
      outputs: [],
      timings: timings(outcome.timings),
      error: { stage: "cancel", kind: "canceled", message: outcome.reason },
      ...tried,
    };
  return {
    ...base,
    input,
    ...requestId,
    status: "succeeded",
    outputs: outcome.outputs.map(outputEntry),
    ...(outcome.unrendered?.length ? { unrendered: outcome.unrendered.length } : {}),
    ...(outcome.seed === undefined ? {} : { seed: outcome.seed }),
    timings: timings(outcome.timings),
    ...tried,
  };
}

/**
 * Builds the report from the plan and each job's outcome; pure. Its jobs are made as they are
 * read (each pass makes them anew), so a 100,000-job report is never held whole; the totals
 * are counted in one pass here.
 */
export function buildReport(plan: Plan, outcomes: Outcomes, facts: RunFacts): StreamedReport {
  const entry = (job: Job): ReportJob => {
    const made = jobEntry(job, outcomes.get(job.id) ?? { status: "not_run", reason: "never scheduled" });
    const history = facts.history.get(job.key);
    if (!history || history.length === 0) return made;
    return {
      ...made,
      history: history.map((h) => ({
        at: new Date(h.at).toISOString(),
        status: h.phase,
        ...(h.request === undefined ? {} : { request_id: h.request }),
      })),
    };
  };
  const jobs = reiterable(function* () {
    for (const job of plan.jobs) yield entry(job);
  });
  const counts = countJobs(jobs);
  // Without the journal's tally: images generated in this run (skipped jobs cost nothing now).
  let spent = 0;
  if (!facts.spend)
    for (const job of plan.jobs) {
      const o = outcomes.get(job.id);
      if (o?.status === "succeeded")
        spent += (o.outputs.length + (o.unrendered?.length ?? 0)) * job.pricePerImageUsd;
    }
  return {
    schema_version: 1,
    pipeline: plan.name,
    manifest: facts.manifestPath,
    model: plan.endpoint.model,
    endpoint: plan.endpoint.id,
    run: {
      id: facts.runId,
      started_at: new Date(facts.startedAt).toISOString(),
      finished_at: new Date(facts.finishedAt).toISOString(),
      duration_ms: facts.finishedAt - facts.startedAt,
      fal_target: facts.falTarget,
      ended_by: facts.endedBy,
      concurrency: {
        mode: facts.concurrency.mode,
        peak: facts.concurrency.peak,
        capacity_estimate: facts.concurrency.capacityEstimate,
      },
      http_calls: facts.calls,
      rate_limited: facts.rateLimited,
      prices: plan.prices.map(priceEntry),
    },
    totals: {
      ...counts,
      estimated_cost_usd: plan.estimatedCostUsd,
      cost_usd: roundUsd(facts.spend ? facts.spend.run.completed.usd : spent),
      ...(facts.spend
        ? { spend: { run: spendEntry(facts.spend.run), all_runs: spendEntry(facts.spend.total) } }
        : {}),
    },
    jobs,
  };
}
