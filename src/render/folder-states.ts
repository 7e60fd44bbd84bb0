import { join } from "node:path";
import type { JournalEntry } from "../journal/journal.js";
import { type KeyState, replayEntry } from "../journal/key-state.js";
import { readJournalFile } from "../journal/read-journal.js";
import { replayRenderLogs } from "../journal/render-log.js";

/** Where each job key of a folder stands, as a `render` process reads it. */
export interface FolderStates {
  readonly states: Map<string, KeyState>;
  /** The last run's `run` line said it renders itself. */
  readonly runRenders: boolean;
}

/**
 * Reads the journal and the render logs (never writing to them): each key's state, with what
 * every `render` process rendered counted as rendered. The render logs are read first and
 * replayed after the journal: a run folds a log into the journal (appends its lines, then
 * removes it), and read in this order no moment of that loses a line.
 */
export async function readFolderStates(folder: string): Promise<FolderStates> {
  const logged: Array<Extract<JournalEntry, { type: "image" }>> = [];
  await replayRenderLogs(folder, (e) => logged.push(e));
  const states = new Map<string, KeyState>();
  let runRenders = true;
  await readJournalFile<JournalEntry>(join(folder, ".state", "journal.jsonl"), (e) => {
    if (e.type === "run") runRenders = e.renders !== false;
    replayEntry(states, e);
  });
  for (const e of logged) replayEntry(states, e);
  return { states, runRenders };
}
