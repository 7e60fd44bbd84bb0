import { describe, expect, it } from "vitest";
import type { JournalEntry, NewEntry } from "../../src/journal/journal.js";
import { carrySpend, type PriceOf, spendOf, tallySpend } from "../../src/journal/spend.js";

const EP = "fal-ai/bytedance/seedream/v4.5/edit";
// Every key costs $0.04 an image and makes at most 2.
const priceOf: PriceOf = () => ({ usd: 0.04, most: 2 });
const result = (n: number) => ({ images: Array.from({ length: n }, (_, i) => ({ url: `u${i}` })) });

let t = 0;
const at = (e: NewEntry) => ({ t: t++, ...e }) as JournalEntry;
const run = (id: string) => at({ type: "run", run: id, pid: 1 });
const submitting = (key: string) => at({ type: "submitting", key, job: key });
const submitted = (key: string, request: string) =>
  at({ type: "submitted", key, job: key, request, endpoint: EP });
const completed = (key: string, request: string, images: number) =>
  at({ type: "completed", key, request, result: result(images) });

/** Run r1: a completes with 2 images, b fails at fal and is sent again (b2 pending), c is cut off. */
const r1: JournalEntry[] = [
  run("r1"),
  submitting("a"),
  submitted("a", "ra"),
  completed("a", "ra", 2),
  at({ type: "done", key: "a", request: "ra" }),
  submitting("b"),
  submitted("b", "rb"),
  submitting("b"),
  submitted("b", "rb2"),
  submitting("c"),
];
/** Run r2: re-attaches to rb2 (completes, 1 image), c was in doubt; d is refused (422), e canceled. */
const r2: JournalEntry[] = [
  run("r2"),
  at({ type: "failed", key: "c", cause: "cut off", class: "in-doubt" }),
  completed("b", "rb2", 1),
  submitting("d"),
  at({ type: "failed", key: "d", cause: "422", class: "permanent" }),
  submitting("e"),
  submitted("e", "re"),
  at({ type: "canceled", key: "e", request: "re", cause: "deadline" }),
];

describe("tallySpend: every request fal accepted, by how it stands, from the journal", () => {
  it("counts each run's requests and the folder's total, with their estimated cost", () => {
    const one = tallySpend(r1, priceOf, "r1");
    expect(spendOf(one.run)).toEqual({
      accepted: { requests: 3, usd: 0.16 },
      completed: { requests: 1, images: 2, usd: 0.08 },
      failed: { requests: 1, usd: 0 },
      pending: { requests: 1, usd: 0.08 },
      inDoubt: { requests: 1, usd: 0.08 },
    });
    const both = tallySpend([...r1, ...r2], priceOf, "r2");
    // r2 sent only e (canceled); rb2 and the doubt over c belong to r1, which sent them.
    expect(spendOf(both.run)).toEqual({
      accepted: { requests: 1, usd: 0 },
      completed: { requests: 0, images: 0, usd: 0 },
      failed: { requests: 1, usd: 0 },
      pending: { requests: 0, usd: 0 },
      inDoubt: { requests: 0, usd: 0 },
    });
    expect(spendOf(both.total)).toEqual({
      accepted: { requests: 4, usd: 0.12 },
      completed: { requests: 2, images: 3, usd: 0.12 },
      failed: { requests: 2, usd: 0 },
      pending: { requests: 0, usd: 0 },
      inDoubt: { requests: 1, usd: 0.08 },
    });
  });

  it("a request found in fal's history by a later run counts for the run that sent it", () => {
    const found = [run("r1"), submitting("x"), run("r2"), submitted("x", "rx"), completed("x", "rx", 1)];
    expect(tallySpend(found, priceOf, "r1").run).toMatchObject({ accepted: 1, completed: 1, in_doubt: 0 });
    expect(tallySpend(found, priceOf, "r2").run).toMatchObject({ accepted: 0 });
  });

  it("a submit answered later (retry-failed of a doubt) is no longer in doubt", () => {
    const later = [...r1, ...r2, run("r3"), submitting("c"), submitted("c", "rc")];
    expect(spendOf(tallySpend(later, priceOf).total).inDoubt).toEqual({ requests: 0, usd: 0 });
  });

  it("a `spent` line carries what lines set aside said, so the total is the same", () => {
    const all = [...r1, ...r2];
    const kept = [submitted("b", "rb2"), completed("b", "rb2", 1)];
    const carry = carrySpend(all, kept, priceOf);
    expect(carry).toMatchObject({ accepted: 3, completed: 1, images: 2, failed: 2, in_doubt: 1 });
    const after = [at({ type: "spent", ...(carry as NonNullable<typeof carry>) }), ...kept];
    expect(tallySpend(after, priceOf).total).toEqual(tallySpend(all, priceOf).total);
    expect(carrySpend(all, all, priceOf)).toBeUndefined();
  });
});
