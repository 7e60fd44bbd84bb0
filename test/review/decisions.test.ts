import { describe, expect, it } from "vitest";
import { type Decision, latestDecisions, parseDecisions } from "../../src/review/decisions.js";

const line = (d: Partial<Decision>) =>
  `${JSON.stringify({ key: "k1", n: 1, job: "A1", state: "approved", at: "2026-01-01T00:00:00.000Z", by: "review", ...d })}\n`;

describe("parseDecisions", () => {
  it("drops a torn last line and reports the bytes of the whole lines", () => {
    const whole = line({}) + line({ n: 2, state: "rejected", note: "wrong colour" });
    const parsed = parseDecisions(`${whole}{"key":"k1","n":3,"jo`);
    expect(parsed.decisions.map((d) => [d.n, d.state])).toEqual([
      [1, "approved"],
      [2, "rejected"],
    ]);
    expect(parsed.validBytes).toBe(Buffer.byteLength(whole));
    expect(parsed.bad).toBe(0);
  });

  it("skips and counts lines that are not decisions", () => {
    const parsed = parseDecisions(
      `${line({})}not json\n${JSON.stringify({ key: "k", n: 0 })}\n${line({ n: 4 })}`,
    );
    expect(parsed.decisions.map((d) => d.n)).toEqual([1, 4]);
    expect(parsed.bad).toBe(2);
  });
});

describe("latestDecisions", () => {
  it("keeps the last decision of each image, ordered by when it was last decided", () => {
    const { decisions } = parseDecisions(
      line({ n: 1, state: "rejected" }) +
        line({ n: 2 }) +
        line({ n: 1, state: "approved", note: "fine after all" }),
    );
    const latest = latestDecisions(decisions);
    expect([...latest.keys()]).toEqual(["k1#2", "k1#1"]);
    expect(latest.get("k1#1")).toMatchObject({ state: "approved", note: "fine after all" });
  });
});
