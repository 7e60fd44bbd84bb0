import { join } from "node:path";
import type { JournalEntry } from "../../src/journal/journal.js";
import { readJournalFile } from "../../src/journal/read-journal.js";

/** The entries of an output folder's journal, as a run reads them (none when there is no journal). */
export async function journalEntries(pipelineDir: string): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  await readJournalFile<JournalEntry>(join(pipelineDir, ".state", "journal.jsonl"), (e) => {
    entries.push(e);
  });
  return entries;
}
