import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../clock.js";
import { compactEntries, replay } from "./job-state.js";
import { Journal, type JournalEntry, parseJournal } from "./journal.js";
import { carrySpend, type PriceOf, type Spend, spendOf, tallySpend } from "./spend.js";

const journalPath = (outputDir: string) => join(outputDir, ".state", "journal.jsonl");

async function readEntries(path: string): Promise<JournalEntry[]> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  return parseJournal(text).entries;
}

/** The line that carries the spend of `before` that `after` no longer says, if any. */
function carried(
  before: readonly JournalEntry[],
  after: readonly JournalEntry[],
  priceOf: PriceOf,
  t: number,
) {
  const carry = carrySpend(before, after, priceOf);
  return carry === undefined ? [] : [{ t, type: "spent" as const, ...carry }];
}

/**
 * Opens the output folder's journal (`--fresh` keeps the old one aside) and replays it; a
 * journal read every night grows every night, so a long one is compacted first: it keeps what
 * it says, not how it got there. Either way the spend of the requests whose lines go is carried
 * in a `spent` line, so the folder's total spend still adds up.
 */
export async function openJournal(
  outputDir: string,
  fresh: boolean,
  clock: Clock,
  source: string,
  priceOf: PriceOf,
) {
  const path = journalPath(outputDir);
  let carry: JournalEntry[] = [];
  if (fresh) {
    carry = carried(await readEntries(path), [], priceOf, clock.now());
    await rename(path, join(outputDir, ".state", `journal-${clock.now()}.jsonl`)).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      },
    );
  }
  // The new journal starts with what the one set aside spent (before it is opened for appends).
  if (carry.length > 0) await Journal.rewrite(outputDir, carry);
  let opened = await Journal.open(outputDir, () => clock.now(), source);
  const states = replay(opened.entries);
  if (opened.entries.length > 2 * states.size + 1000) {
    opened.journal.close();
    const compacted = compactEntries(states, clock.now());
    await Journal.rewrite(outputDir, [
      ...carried(opened.entries, compacted, priceOf, clock.now()),
      ...compacted,
    ]);
    opened = await Journal.open(outputDir, () => clock.now(), source);
  }
  return { journal: opened.journal, states };
}

/** What the report takes from the journal at the end of a run: each key's history, and the spend. */
export async function journalFacts(outputDir: string, runId: string, priceOf: PriceOf) {
  const entries = await readEntries(journalPath(outputDir));
  const history = new Map([...replay(entries)].map(([key, s]) => [key, s.history]));
  const spend = tallySpend(entries, priceOf, runId);
  return { history, spend: { run: spendOf(spend.run), total: spendOf(spend.total) } satisfies RunSpend };
}

/** The spend of one run (the requests it sent) and of every run of the output folder. */
export interface RunSpend {
  readonly run: Spend;
  readonly total: Spend;
}
