import { rename } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../clock.js";
import type { Spend } from "../model/spend.js";
import { entryProblem, type ResultCheck } from "./entry-check.js";
import { Journal, type JournalEntry } from "./journal.js";
import { compactEntries, type KeyState, replayEntry } from "./key-state.js";
import { readJournalFile } from "./read-journal.js";
import { foldRenderLogs } from "./render-log.js";
import { repairJournal } from "./repair-journal.js";
import { carrySpend, type PriceOf, SpendFollow, spendOf, tallySpend } from "./spend.js";
import { StatusHistory } from "./status-history.js";

const journalPath = (outputDir: string) => join(outputDir, ".state", "journal.jsonl");

/** The line that carries the spend of `before` that `after` no longer says, if any. */
function carried(before: SpendFollow, after: SpendFollow, priceOf: PriceOf, t: number): JournalEntry[] {
  const carry = carrySpend(before, after, priceOf);
  return carry === undefined ? [] : [{ t, type: "spent" as const, ...carry }];
}

/** What a compaction of `states` writes, a thousand keys at a time (never all as one list). */
function* compacted(states: ReadonlyMap<string, KeyState>, now: number): Generator<JournalEntry> {
  let chunk = new Map<string, KeyState>();
  for (const [key, state] of states) {
    chunk.set(key, state);
    if (chunk.size < 1000) continue;
    yield* compactEntries(chunk, now);
    chunk = new Map();
  }
  yield* compactEntries(chunk, now);
}

/** Sets the journal aside for `--fresh`; the new one starts with the spend the old one said. */
async function setAside(outputDir: string, clock: Clock, priceOf: PriceOf, check: Check): Promise<void> {
  const path = journalPath(outputDir);
  const before = new SpendFollow();
  await readJournalFile<JournalEntry>(path, (e) => before.add(e), { check });
  await rename(path, join(outputDir, ".state", `journal-${clock.now()}.jsonl`)).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    },
  );
  const carry = carried(before, new SpendFollow(), priceOf, clock.now());
  if (carry.length > 0) await Journal.rewrite(outputDir, carry);
}

/**
 * Opens the output folder's journal (`--fresh` keeps the old one aside) and replays it as it is
 * read, in one pass: each key's state and the folder's spend, both kept up to date with what
 * the run appends (the report's history and spend need no second read). A journal read every
 * night grows every night, so one holding more than twice what a compaction would leave is
 * compacted: it keeps what it says, not how it got there. Either way the spend of the requests
 * whose lines go is carried in a `spent` line, so the folder's total spend still adds up.
 */
export async function openJournal(
  outputDir: string,
  fresh: boolean,
  clock: Clock,
  source: string,
  priceOf: PriceOf,
  options: OpenJournalOptions = {},
) {
  const repair = options.repair
    ? await repairJournal(outputDir, options.checkResult, clock.now())
    : undefined;
  if (fresh) await setAside(outputDir, clock, priceOf, (e) => entryProblem(e));
  const states = new Map<string, KeyState>();
  // A result is checked against where its key's request went: the lines before it say.
  const check: Check = (e) => entryProblem(e, options.checkResult, (key) => states.get(key)?.source);
  const spend = new SpendFollow();
  const history = new StatusHistory();
  let replaying = true;
  const { journal, lines } = await Journal.open(
    outputDir,
    () => clock.now(),
    source,
    (e) => {
      if (replaying) replayEntry(states, e);
      history.add(e);
      spend.add(e);
    },
    check,
  );
  // What `render` processes rendered counts as rendered here too: the logs of those that ended
  // go into the journal (replayed as they are appended), the others' are read where they are.
  await foldRenderLogs(outputDir, journal, (e) => replayEntry(states, e));
  let left = 0;
  for (const _ of compacted(states, clock.now())) left += 1;
  if (lines > 2 * left + 1000) {
    // What the compacted journal will say of the spend, to carry the rest: only when compacting.
    const after = new SpendFollow();
    for (const e of compacted(states, clock.now())) after.add(e);
    const now = clock.now();
    await journal.compact(
      (function* () {
        yield* carried(spend, after, priceOf, now);
        yield* compacted(states, now);
      })(),
    );
  }
  /** What the report takes from the journal at the end of a run: each key's history, and the spend. */
  const facts = async (runId: string) => {
    const tally = tallySpend(spend, priceOf, runId);
    return { history, spend: { run: spendOf(tally.run), total: spendOf(tally.total) } satisfies RunSpend };
  };
  /**
   * Once every job's start is decided, the states (fal's results, image records) are not read
   * again: they are let go, and what the run appends keeps only the history and the spend up to
   * date (on a 100,000-job night, about a kilobyte a job less to hold).
   */
  const startsDecided = () => {
    replaying = false;
    states.clear();
  };
  return { journal, states, facts, startsDecided, repair };
}

type Check = (entry: unknown) => string | undefined;

/** How the journal is read back. */
export interface OpenJournalOptions {
  /** Why a result a `completed` line holds is not one fal could have sent (its URLs); undefined when it is. */
  readonly checkResult?: ResultCheck;
  /** Set a damaged journal aside and keep every request it can read (`--repair-journal`). */
  readonly repair?: boolean;
}

/** The spend of one run (the requests it sent) and of every run of the output folder. */
export interface RunSpend {
  readonly run: Spend;
  readonly total: Spend;
}
