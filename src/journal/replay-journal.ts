import { join } from "node:path";
import { entryProblem } from "./entry-check.js";
import type { JournalEntry } from "./journal.js";
import { type KeyState, replayEntry } from "./key-state.js";
import { readJournalFile } from "./read-journal.js";
import { replayRenderLogs } from "./render-log.js";

/**
 * Replays an output folder's journal as it is read, then the logs of `render` processes not yet
 * folded into it, without writing to either (a torn end is left for the next run, which cuts it
 * off). No journal: no states.
 */
export async function replayJournalFile(outputDir: string): Promise<Map<string, KeyState>> {
  const states = new Map<string, KeyState>();
  await readJournalFile<JournalEntry>(
    join(outputDir, ".state", "journal.jsonl"),
    (e) => replayEntry(states, e),
    { check: (e) => entryProblem(e) },
  );
  await replayRenderLogs(outputDir, (e) => replayEntry(states, e));
  return states;
}
