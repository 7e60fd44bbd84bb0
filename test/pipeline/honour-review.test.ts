import { describe, expect, it } from "vitest";
import { hasApproval, reviewVerdict, withSeedsSent } from "../../src/pipeline/honour-review.js";
import type { Job, Plan } from "../../src/plan/index.js";
import type { Decision } from "../../src/review/decisions.js";
import { indexDecisions } from "../../src/review/review-status.js";

const H = (c: string) => c.repeat(64);
const job = (id: string, key: string, input: Record<string, unknown> = {}) =>
  ({ id, key, input: { prompt: "p", ...input }, expectedImages: { min: 2, max: 2 } }) as unknown as Job;
const d = (key: string, n: number, state: Decision["state"], sha256: string): Decision => ({
  key,
  n,
  job: "j",
  state,
  sha256,
  at: "2026-03-01T00:00:00.000Z",
  by: "review",
});

describe("what review makes of an up-to-date job (the run acts on it, plan tells it)", () => {
  const images = [
    { n: 1, sha256: H("a") },
    { n: 2, sha256: H("b") },
  ];

  it("regenerates a job with a rejected image and no approved one; keeps one whose approved image shares the request", () => {
    const j = job("j", "k");
    expect(reviewVerdict(indexDecisions([]), j, images)).toBe("keep");
    expect(reviewVerdict(indexDecisions([d("k", 1, "rejected", H("a"))]), j, images)).toBe("regenerate");
    const both = indexDecisions([d("k", 1, "rejected", H("a")), d("k", 2, "approved", H("b"))]);
    expect(reviewVerdict(both, j, images)).toBe("blocked");
    expect(hasApproval(both, j)).toBe(true);
    // A rejection of other bytes (the image was made again since) does not count.
    expect(reviewVerdict(indexDecisions([d("k", 1, "rejected", H("0"))]), j, images)).toBe("keep");
  });
});

describe("withSeedsSent", () => {
  it("gives a job the seed its latest request was sent with, where the manifest's differs", () => {
    const plan = {
      jobs: [job("a", "ka"), job("b", "kb", { seed: 5 }), job("c", "kc", { seed: 9 })],
    } as unknown as Plan;
    const sent: Record<string, number> = { ka: 41, kc: 9 };
    const seeded = withSeedsSent(plan, (key) => sent[key]);
    expect(seeded.jobs.map((j) => j.input.seed)).toEqual([41, 5, 9]);
    expect(seeded.jobs[1]).toBe(plan.jobs[1]);
    // Nothing to change: the same plan.
    expect(withSeedsSent(plan, () => undefined)).toBe(plan);
  });
});
