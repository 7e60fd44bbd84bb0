import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/journal/journal.js";
import { StatusHistory } from "../../src/journal/status-history.js";

const at = (t: number, e: Record<string, unknown>) => ({ t, ...e }) as JournalEntry;

describe("StatusHistory", () => {
  it("keeps each key's changes in order, with their requests, and nothing of run or spent lines", () => {
    const h = new StatusHistory();
    h.add(at(1, { type: "run", run: "r1", pid: 1 }));
    h.add(at(2, { type: "submitting", key: "k", job: "j" }));
    h.add(at(3, { type: "submitted", key: "k", job: "j", request: "req-1", endpoint: "e" }));
    h.add(at(4, { type: "submitted", key: "other", job: "o", request: "req-9", endpoint: "e" }));
    h.add(at(5, { type: "completed", key: "k", request: "req-1", result: {} }));
    h.add(at(6, { type: "unfinished", key: "k", stage: "download", cause: "reset", class: "retryable" }));
    h.add(at(7, { type: "submitted", key: "k", job: "j", request: "req-2", endpoint: "e" }));
    expect(h.get("k")).toEqual([
      { at: 2, phase: "submitting" },
      { at: 3, phase: "submitted", request: "req-1" },
      { at: 5, phase: "completed", request: "req-1" },
      { at: 6, phase: "unfinished" },
      { at: 7, phase: "submitted", request: "req-2" },
    ]);
    expect(h.get("other")).toEqual([{ at: 4, phase: "submitted", request: "req-9" }]);
    expect(h.get("never")).toBeUndefined();
  });
});
