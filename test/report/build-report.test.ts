import { describe, expect, it } from "vitest";
import { findEndpoint } from "../../src/endpoints/index.js";
import { compileTemplate } from "../../src/manifest/template.js";
import type { JobOutcome } from "../../src/model/job-outcome.js";
import type { Job, Plan } from "../../src/plan/index.js";
import { buildReport } from "../../src/report/index.js";

const template = compileTemplate("{{job}}-{{n}}.{{ext}}");
if ("message" in template) throw new Error(template.message);
const OUTPUT = { template, at: { file: "m.yaml", line: 1, column: 1, field: "output.path" } };
const endpoint = findEndpoint("seedream-v5-lite");
if (!endpoint) throw new Error("endpoint missing");

const job = (id: string): Job => ({
  id,
  key: `key-${id}`,
  endpoint,
  promptName: id,
  sizeName: "square",
  sizeValue: "square",
  row: {},
  rowIndex: 0,
  input: { prompt: id, image_size: "square" },
  images: [],
  expectedSize: { width: 1920, height: 1920 },
  expectedImages: { min: 1, max: 1 },
  pricePerImageUsd: 0.035,
  seed: undefined,
  outputPath: OUTPUT,
  output: {
    main: { format: "original", quality: undefined, resize: undefined, keepMetadata: false },
    derivatives: [],
    derivativePath: OUTPUT,
    sidecar: true,
    settingsKey: "s",
  },
});
const plan: Plan = {
  name: "p",
  endpoint,
  jobs: [job("a"), job("b"), job("c")],
  uploads: [],
  estimatedCostUsd: { min: 0.105, max: 0.105 },
  prices: [
    { endpointId: endpoint.id, unitPriceUsd: 0.035, source: "cache", fetchedAt: Date.UTC(2026, 10, 20) },
  ],
  totalJobs: 3,
  warnings: [],
  skipped: [],
};
const T = Date.UTC(2026, 10, 21, 2, 0, 0);

describe("buildReport", () => {
  it("lists every job with its outcome, and totals that add up", () => {
    const outcomes = new Map<string, JobOutcome>([
      [
        "a",
        {
          status: "succeeded",
          requestId: "req-a",
          imageUrls: ["data:image/png;base64,AAAA"],
          outputs: [
            {
              path: "a-1.png",
              width: 1920,
              height: 1920,
              bytes: 10,
              sha256: "h",
              contentType: "image/png",
              sourceUrl: "u",
              original: { sha256: "h", ext: "png" },
              derivatives: [],
            },
          ],
          seed: 5,
          timings: { submittedAt: T, startedAt: T + 100, completedAt: T + 1100, finishedAt: T + 1200 },
          attempts: [{ requestId: "req-a", submittedAt: T, outcome: "succeeded" }],
          retries: [
            { stage: "download", attempt: 1, cause: "truncated download: 10 of 20 bytes", at: T + 1150 },
          ],
        },
      ],
      [
        "b",
        {
          status: "failed",
          requestId: "req-b",
          imageUrls: [],
          error: {
            stage: "result",
            class: "permanent",
            kind: "validation",
            status: 422,
            message: "prompt: flagged",
            detail: [],
          },
          timings: { submittedAt: T, finishedAt: T + 50 },
          attempts: [{ requestId: "req-b", submittedAt: T, outcome: "failed", cause: "prompt: flagged" }],
          retries: [],
        },
      ],
    ]);
    const report = buildReport(plan, outcomes, {
      runId: "r1",
      manifestPath: "m.yaml",
      startedAt: T,
      finishedAt: T + 2000,
      falTarget: "fal",
      concurrency: { mode: "auto", peak: 4, capacityEstimate: 2 },
      endedBy: "completed",
      calls: { submit: 2, stream: 2, result: 2 },
      rateLimited: 0,
      history: new Map([["key-a", [{ at: T, phase: "submitted", request: "req-a" }]]]),
    });
    const jobs = [...report.jobs];
    expect(report.totals).toEqual({
      jobs: 3,
      succeeded: 1,
      failed: 1,
      skipped: 0,
      canceled: 0,
      unfinished: 0,
      not_run: 1,
      images: 1,
      bytes: 10,
      estimated_cost_usd: { min: 0.105, max: 0.105 },
      cost_usd: 0.035,
    });
    expect(jobs[0]).toMatchObject({
      request_id: "req-a",
      seed: 5,
      input: { image_urls: ["data:image/png;base64,… (4 chars)"] },
      timings: { queue_ms: 100, run_ms: 1000, total_ms: 1200, submitted_at: "2026-11-21T02:00:00.000Z" },
      attempts: [{ request_id: "req-a", submitted_at: "2026-11-21T02:00:00.000Z", outcome: "succeeded" }],
      retries: [{ stage: "download", attempt: 1, cause: "truncated download: 10 of 20 bytes" }],
      history: [{ at: "2026-11-21T02:00:00.000Z", status: "submitted", request_id: "req-a" }],
    });
    expect(jobs[1]?.error).toEqual({
      stage: "result",
      kind: "validation",
      class: "permanent",
      status: 422,
      message: "prompt: flagged",
      detail: [],
    });
    expect(jobs[2]).toMatchObject({ status: "not_run", error: { message: "never scheduled" } });
    // Its jobs are made anew on each pass (never held whole), and each pass says the same.
    const again = [...report.jobs];
    expect(again).toEqual(jobs);
    expect(again[0]).not.toBe(jobs[0]);
    expect(report.run).toEqual({
      id: "r1",
      started_at: "2026-11-21T02:00:00.000Z",
      finished_at: "2026-11-21T02:00:02.000Z",
      duration_ms: 2000,
      fal_target: "fal",
      ended_by: "completed",
      concurrency: { mode: "auto", peak: 4, capacity_estimate: 2 },
      http_calls: { submit: 2, stream: 2, result: 2 },
      rate_limited: 0,
      prices: [
        {
          endpoint: endpoint.id,
          unit_price_usd: 0.035,
          source: "cache",
          fetched_at: "2026-11-20T00:00:00.000Z",
        },
      ],
    });
  });

  it("takes the spend from the journal's tally: cost_usd is what this run's requests completed", () => {
    const line = (requests: number, usd: number) => ({ requests, usd });
    const spend = {
      accepted: line(3, 0.105),
      completed: { ...line(2, 0.07), images: 2 },
      failed: line(0, 0),
      pending: line(1, 0.035),
      inDoubt: line(1, 0.035),
    };
    const report = buildReport(plan, new Map(), {
      runId: "r1",
      manifestPath: "m.yaml",
      startedAt: T,
      finishedAt: T,
      falTarget: "fal",
      concurrency: { mode: "auto", peak: 1, capacityEstimate: 1 },
      endedBy: "interrupted",
      calls: {},
      rateLimited: 0,
      history: new Map(),
      spend: { run: spend, total: { ...spend, completed: { ...line(5, 0.175), images: 5 } } },
    });
    expect(report.totals.cost_usd).toBe(0.07);
    expect(report.totals.spend).toEqual({
      run: {
        accepted: { requests: 3, cost_usd: 0.105 },
        completed: { requests: 2, cost_usd: 0.07, images: 2 },
        failed: { requests: 0, cost_usd: 0 },
        pending: { requests: 1, cost_usd: 0.035 },
        in_doubt: { requests: 1, cost_usd: 0.035 },
      },
      all_runs: expect.objectContaining({ completed: { requests: 5, cost_usd: 0.175, images: 5 } }),
    });
  });
});
