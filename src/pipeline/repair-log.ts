import type { JournalRepair } from "../journal/repair-journal.js";
import type { Logger } from "../log/logger.js";

/** Says what `--repair-journal` did: each line it dropped, and each paid request it could not place. */
export function logRepair(repair: JournalRepair, logger: Logger): void {
  logger.warn(
    {
      setAside: repair.setAside,
      kept: repair.kept,
      dropped: repair.dropped.length,
      salvaged: repair.salvaged,
    },
    "the journal was repaired: the damaged one is kept aside",
  );
  for (const d of repair.dropped)
    if (d.unplaced.length > 0)
      logger.warn(
        { line: d.line, reason: d.reason, requests: d.unplaced },
        "a dropped journal line named fal requests no job could be tied to: they were paid for, and their results stay at fal",
      );
    else logger.warn({ line: d.line, reason: d.reason }, "a journal line was dropped");
}
