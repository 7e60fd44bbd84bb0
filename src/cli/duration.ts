import { InvalidArgumentError } from "commander";

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `45m`, `1h30m`, `14d`, `1500ms` (a bare number is seconds) into milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  let total = 0;
  let rest = t;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (!m) throw new InvalidArgumentError(`expected a duration such as 90s, 45m or 1h30m, got "${text}"`);
    total += Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1000);
    rest = rest.slice(m[0].length);
  }
  if (total <= 0) throw new InvalidArgumentError(`a duration must be positive, got "${text}"`);
  return total;
}

/** A duration as a user writes it: 30000 → `30s`, 90000 → `1m30s`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const text = `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
  return text === "" ? "0s" : text;
}

/** The commander parsers that read durations, so `--help` can show their defaults as durations. */
const durationParsers = new WeakSet<object>([parseDuration]);

/** Whether `parse` reads a duration (`parseDuration` or one made by `durationAtLeast`). */
export function isDurationParser(parse: unknown): boolean {
  return typeof parse === "function" && durationParsers.has(parse);
}

/** commander parser: a duration of at least `minMs` (`what` names the bound in the error). */
export function durationAtLeast(minMs: number, what: string): (text: string) => number {
  const parse = (text: string) => {
    const ms = parseDuration(text);
    if (ms < minMs)
      throw new InvalidArgumentError(`must be at least ${formatDuration(minMs)} (${what}), got "${text}"`);
    return ms;
  };
  durationParsers.add(parse);
  return parse;
}
