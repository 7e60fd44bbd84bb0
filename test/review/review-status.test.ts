import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/review/decisions.js";
import { countReviews, indexDecisions, reviewOf } from "../../src/review/review-status.js";

const H = (c: string) => c.repeat(64);
const d = (over: Partial<Decision>): Decision => ({
  key: "k1",
  n: 1,
  job: "A1",
  state: "approved",
  at: "2026-03-01T00:00:00.000Z",
  by: "review",
  ...over,
});

describe("reviewOf", () => {
  it("holds a decision made on these bytes, and nothing else", () => {
    const index = indexDecisions([
      d({ sha256: H("a") }),
      d({ key: "k2", job: "B2", state: "rejected", sha256: H("b") }),
    ]);
    expect(reviewOf(index, { id: "A1", key: "k1" }, 1, H("a")).state).toBe("approved");
    expect(reviewOf(index, { id: "A1", key: "k1" }, 1, H("f"))).toMatchObject({
      state: "pending",
      lapsed: "image changed",
    });
    expect(reviewOf(index, { id: "B2", key: "k2" }, 1, H("b")).state).toBe("rejected");
    expect(reviewOf(index, { id: "B2", key: "k2" }, 1, H("c"))).toMatchObject({
      state: "pending",
      lapsed: "regenerated",
    });
    expect(reviewOf(index, { id: "A1", key: "k1-changed" }, 1, H("a"))).toMatchObject({
      state: "pending",
      lapsed: "inputs changed",
    });
    expect(reviewOf(index, { id: "C3", key: "k3" }, 1, H("c"))).toEqual({ state: "pending" });
  });

  it("a run's regeneration and a reviewer's undo both clear the decision", () => {
    const index = indexDecisions([
      d({ state: "pending", by: "run", seed: 42 }),
      d({ key: "k2", job: "B2", state: "pending" }),
    ]);
    expect(reviewOf(index, { id: "A1", key: "k1" }, 1, H("a"))).toMatchObject({
      state: "pending",
      lapsed: "regenerated",
    });
    expect(reviewOf(index, { id: "B2", key: "k2" }, 1, H("a"))).toEqual({ state: "pending" });
  });
});

describe("countReviews", () => {
  it("counts every image and lists the approvals that lapsed", () => {
    const index = indexDecisions([d({ sha256: H("a") }), d({ key: "k2-old", job: "B2", n: 1 })]);
    const counts = countReviews(index, [
      { id: "A1", key: "k1", outputs: [{ sha256: H("a") }, { sha256: H("b") }] },
      { id: "B2", key: "k2", outputs: [{ sha256: H("c") }] },
    ]);
    expect(counts).toEqual({
      approved: 1,
      rejected: 0,
      pending: 2,
      lapsed: [{ job: "B2", n: 1, reason: "inputs changed" }],
    });
  });
});
