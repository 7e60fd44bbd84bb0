import { z } from "zod";
import { OUTCOME_STATUSES } from "../model/job-phase.js";

const iso = z.string().describe("ISO 8601 time");
const imageReview = z
  .strictObject({
    state: z.enum(["approved", "rejected", "pending"]),
    note: z.string().optional(),
    at: iso.optional(),
    lapsed: z.string().optional().describe("Why an earlier decision no longer holds"),
    regenerated_seed: z
      .int()
      .optional()
      .describe("Seed of the request that made the image again after a rejection"),
  })
  .describe("Where the image stands in review");
export const outputSchema = z.strictObject({
  path: z.string().describe("Relative to the pipeline's output folder"),
  width: z.int(),
  height: z.int(),
  bytes: z.int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  content_type: z.string(),
  source_url: z.string().describe("Where fal served the image (data: URIs shortened)"),
  derivatives: z
    .array(
      z.strictObject({
        name: z.string(),
        path: z.string(),
        width: z.int(),
        height: z.int(),
        bytes: z.int(),
        sha256: z.string(),
        content_type: z.string(),
      }),
    )
    .optional(),
  review: imageReview.optional(),
});

export const jobSchema = z.strictObject({
  id: z.string(),
  key: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe("sha256 of the endpoint, canonical input and input images' contents"),
  endpoint: z.string(),
  prompt_name: z.string(),
  size_name: z.string(),
  row_index: z.int().optional(),
  row: z.record(z.string(), z.string()).optional(),
  input: z.record(z.string(), z.unknown()).describe("The input sent to fal; no secrets"),
  request_id: z.string().optional(),
  status: z.enum(OUTCOME_STATUSES),
  reason: z.string().optional(),
  outputs: z
    .array(outputSchema)
    .describe("The images rendered: the gallery, review and publish see these only"),
  unrendered: z
    .int()
    .optional()
    .describe("Images paid for and kept, not rendered yet: the next run or `render` renders them at no cost"),
  seed: z.int().optional(),
  timings: z.strictObject({
    submitted_at: iso.optional(),
    started_at: iso.optional(),
    completed_at: iso.optional(),
    finished_at: iso.optional(),
    queue_ms: z.number().optional(),
    run_ms: z.number().optional(),
    total_ms: z.number().optional(),
  }),
  error: z
    .strictObject({
      stage: z.string(),
      kind: z.string(),
      class: z.string().optional(),
      message: z.string(),
      status: z.int().optional(),
      error_type: z.string().optional(),
      detail: z.unknown().optional(),
    })
    .optional(),
  attempts: z
    .array(
      z.strictObject({
        request_id: z.string(),
        submitted_at: iso,
        outcome: z.enum(["succeeded", "failed", "unfinished", "resubmitted", "canceled"]),
        cause: z.string().optional(),
      }),
    )
    .optional(),
  retries: z.array(z.strictObject({ stage: z.string(), attempt: z.int(), cause: z.string() })).optional(),
  history: z
    .array(z.strictObject({ at: iso, status: z.string(), request_id: z.string().optional() }))
    .optional(),
});

const spendLine = z.strictObject({ requests: z.int(), cost_usd: z.number() });

/** Requests fal accepted (or may have), by how they stand, with their estimated cost. */
export const spendSchema = z.strictObject({
  accepted: spendLine.describe("Every request fal accepted: completed + failed + pending"),
  completed: spendLine
    .extend({ images: z.int() })
    .describe("Completed with images, which fal bills: images × price"),
  failed: spendLine.describe("Failed at fal, canceled or lost by fal: not billed as far as known (0)"),
  pending: spendLine.describe("Accepted, not completed yet (the next run re-attaches): at the most"),
  in_doubt: spendLine.describe(
    "Submits whose answer never came back: fal may have accepted them; at the most",
  ),
});

/** `report.json` (and `runs/<run-id>.json`), declared once; `schema/report.schema.json` is made from it. */
export const reportSchema = z
  .strictObject({
    schema_version: z.literal(1),
    pipeline: z.string(),
    manifest: z.string(),
    model: z.string(),
    endpoint: z.string(),
    run: z.strictObject({
      id: z.string(),
      started_at: iso,
      finished_at: iso,
      duration_ms: z.number(),
      fal_target: z.string().describe("`fal`, or the base URL all fal traffic went to"),
      ended_by: z.enum([
        "completed",
        "deadline",
        "budget",
        "interrupted",
        "credentials_rejected",
        "fal_unavailable",
        "output_unwritable",
      ]),
      concurrency: z.strictObject({
        mode: z.enum(["auto", "fixed"]),
        peak: z.int(),
        capacity_estimate: z.int(),
      }),
      http_calls: z.record(z.string(), z.int()),
      rate_limited: z.int(),
      prices: z
        .array(
          z.strictObject({
            endpoint: z.string(),
            unit_price_usd: z.number(),
            source: z
              .enum(["fal", "cache", "manifest", "built-in", "none"])
              .describe(
                "fal's pricing endpoint now, its answer cached under a day, the manifest's `prices`, the built-in table, or none (an endpoint only fal can price, counted at 0: a run refuses to send it)",
              ),
            fetched_at: iso.optional(),
            note: z.string().optional().describe("Why fal's price is not used"),
          }),
        )
        .optional()
        .describe("The price per image of each endpoint, and where it came from"),
    }),
    totals: z
      .strictObject({
        jobs: z.int(),
        succeeded: z.int(),
        failed: z.int(),
        skipped: z.int(),
        canceled: z.int(),
        unfinished: z.int().describe("Jobs the next run takes up by itself"),
        not_run: z.int(),
        images: z.int(),
        bytes: z.int(),
        unrendered_images: z.int().optional().describe("Images paid for and kept, not rendered yet"),
        estimated_cost_usd: z.strictObject({ min: z.number(), max: z.number() }),
        cost_usd: z
          .number()
          .describe("The estimated spend of this run: images of the requests it sent that completed × price"),
        spend: z
          .strictObject({ run: spendSchema, all_runs: spendSchema })
          .optional()
          .describe(
            "Requests fal accepted: those this run sent, and those of every run of the output folder",
          ),
      })
      .refine((t) => t.succeeded + t.failed + t.skipped + t.canceled + t.unfinished + t.not_run === t.jobs, {
        message: "succeeded + failed + skipped + canceled + unfinished + not_run must equal jobs",
      }),
    review: z
      .strictObject({
        approved: z.int(),
        rejected: z.int(),
        pending: z.int(),
        lapsed: z.array(z.strictObject({ job: z.string(), n: z.int(), reason: z.string() })),
        regenerated: z.array(z.strictObject({ job: z.string(), n: z.int(), seed: z.int() })),
      })
      .optional()
      .describe(
        "Images approved, rejected and pending review; approvals that lapsed; rejected images made again",
      ),
    orphans: z
      .array(z.strictObject({ job: z.string(), key: z.string(), paths: z.array(z.string()) }))
      .optional()
      .describe("Outputs of jobs no longer in the manifest; `seedream-pipeline prune` removes them"),
    jobs: z.array(jobSchema),
  })
  .describe("A seedream-pipeline run report");

/** The report schema as JSON Schema, for consumers of report.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(reportSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://seedream-pipeline.dev/schema/report.schema.json",
    title: "seedream-pipeline report",
  };
}
