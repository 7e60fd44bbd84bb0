import { z } from "zod";

/** What a reviewer said about one image; `pending` clears a decision (an undo, or a regenerated image). */
export type ReviewState = "approved" | "rejected" | "pending";

/** One line of the decisions journal: the latest line for a job key and image number wins. */
export interface Decision {
  /** The job key (`Job.key`): a changed row, prompt or input is another key, so its decision lapses. */
  readonly key: string;
  /** 1-based image number in the job's result. */
  readonly n: number;
  /** The job id, to tell a lapsed decision (same id, another key) from none. */
  readonly job: string;
  readonly state: ReviewState;
  readonly note?: string;
  /** The main file's sha256 when the decision was made. */
  readonly sha256?: string;
  /** ISO time. */
  readonly at: string;
  /** Who wrote it: a reviewer, or a run that regenerated a rejected image. */
  readonly by: "review" | "run";
  /** A run's regeneration: the new seed sent to fal. */
  readonly seed?: number;
  /** A run's regeneration: the rejected file kept under `.state/review/rejected/`. */
  readonly kept?: string;
}

/** A decision as a client sends it (the store adds `at` and `by`). */
export const decisionInput = z
  .object({
    key: z.string().min(1).max(200),
    n: z.number().int().min(1).max(100),
    job: z.string().min(1).max(500),
    state: z.enum(["approved", "rejected", "pending"]),
    note: z.string().max(2000).optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .strict();

const decisionLine = decisionInput.extend({
  at: z.string(),
  by: z.enum(["review", "run"]),
  seed: z.number().int().optional(),
  kept: z.string().optional(),
});

/** The identity of an image in the decisions: job key and image number. */
export const imageId = (key: string, n: number) => `${key}#${n}`;

/**
 * Reads decisions journal text: one JSON object a line. A torn last line (a crash mid-write) is
 * dropped; a line that is not a decision is skipped and counted. Returns the lines in order and
 * the byte length of the whole lines, so a torn tail can be cut off. Pure.
 */
export function parseDecisions(text: string): { decisions: Decision[]; validBytes: number; bad: number } {
  const decisions: Decision[] = [];
  const end = text.lastIndexOf("\n") + 1;
  let bad = 0;
  for (const line of text.slice(0, end).split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      bad++;
      continue;
    }
    const checked = decisionLine.safeParse(parsed);
    if (checked.success) decisions.push(checked.data as Decision);
    else bad++;
  }
  return { decisions, validBytes: Buffer.byteLength(text.slice(0, end)), bad };
}

/** The latest decision of each image (job key + number), in journal order. Pure. */
export function latestDecisions(decisions: readonly Decision[]): Map<string, Decision> {
  const latest = new Map<string, Decision>();
  for (const d of decisions) {
    const id = imageId(d.key, d.n);
    latest.delete(id);
    latest.set(id, d);
  }
  return latest;
}
