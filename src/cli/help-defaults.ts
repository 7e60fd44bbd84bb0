import type { Command } from "commander";
import { formatDuration, isDurationParser } from "./duration.js";
import { formatRange, msRange } from "./parse-values.js";

/**
 * Shows each duration's default in `--help` as a user writes it (`30s`, `5s-60s`), not as the
 * milliseconds or object it is parsed into. Walks every command, so options added later are
 * covered without each declaration remembering to.
 */
export function showDefaultsAsWritten(program: Command): void {
  for (const cmd of [program, ...program.commands]) {
    for (const option of cmd.options) {
      const value: unknown = option.defaultValue;
      if (value === undefined || option.defaultValueDescription !== undefined) continue;
      if (isDurationParser(option.parseArg) && typeof value === "number")
        option.defaultValueDescription = formatDuration(value);
      else if (option.parseArg === msRange && (typeof value === "number" || typeof value === "object"))
        option.defaultValueDescription = formatRange(value as number | { min: number; max: number });
    }
    if (cmd !== program) showDefaultsAsWritten(cmd);
  }
}
