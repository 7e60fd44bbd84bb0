import { InvalidArgumentError } from "commander";
import type { OutageKind } from "../emulator/index.js";
import { findEndpoint, modelNames } from "../endpoints/index.js";
import { formatDuration, parseDuration } from "./duration.js";

/** commander parser: a whole number within [min, max]. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** commander parser: a positive number. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** One side of a range: a bare number is milliseconds, else a duration such as `5s`. */
function rangeSide(text: string, whole: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  try {
    return parseDuration(text);
  } catch {
    throw new InvalidArgumentError(`expected MS or MIN-MAX (milliseconds, or 5s-60s), got "${whole}"`);
  }
}

/** commander parser: `MS` or `MIN-MAX`, in milliseconds or with units (`5s-60s`). */
export function msRange(value: string): number | { min: number; max: number } {
  const parts = value.trim().split("-");
  if (parts.length > 2 || parts.some((p) => p.trim() === ""))
    throw new InvalidArgumentError(`expected MS or MIN-MAX (milliseconds, or 5s-60s), got "${value}"`);
  const min = rangeSide(parts[0]?.trim() ?? "", value);
  if (parts[1] === undefined) return min;
  const max = rangeSide(parts[1].trim(), value);
  if (max < min) throw new InvalidArgumentError(`range ${value} ends before it starts`);
  return { min, max };
}

/** A range as `msRange` reads it, written with units: `5s-60s`. */
export function formatRange(range: number | { min: number; max: number }): string {
  if (typeof range === "number") return formatDuration(range);
  const seconds = range.min % 1000 === 0 && range.max % 1000 === 0;
  return seconds
    ? `${range.min / 1000}s-${range.max / 1000}s`
    : `${formatDuration(range.min)}-${formatDuration(range.max)}`;
}

/** commander parser: `auto` or a whole number of requests from 1 to 200. */
export function concurrencyValue(value: string): number | "auto" {
  return value.trim().toLowerCase() === "auto" ? "auto" : wholeNumber(1, 200)(value);
}

/** commander parser: a probability in [0, 1]. */
export function probability(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1))
    throw new InvalidArgumentError(`expected a probability from 0 to 1, got "${value}"`);
  return n;
}

/** commander parser: `MS:C,MS:C` capacity steps. */
export function capacitySteps(value: string): Array<{ atMs: number; concurrency: number }> {
  return value.split(",").map((part) => {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m || Number(m[2]) < 1)
      throw new InvalidArgumentError(`expected MS:C steps such as 8000:25,16000:6, got "${value}"`);
    return { atMs: Number(m[1]), concurrency: Number(m[2]) };
  });
}

/**
 * commander parser for a repeatable `--outage AT+DURATION:KIND` (real ms after the start),
 * e.g. `5000+120000:refuse`; collects every one given.
 */
export function outageSpec(
  value: string,
  previous: Array<{ atMs: number; durationMs: number; kind: OutageKind }> = [],
): Array<{ atMs: number; durationMs: number; kind: OutageKind }> {
  const m = /^\s*(\d+)\s*\+\s*(\d+)\s*:\s*(refuse|reset|502|503|504)\s*$/.exec(value);
  if (!m)
    throw new InvalidArgumentError(
      `expected AT+DURATION:KIND (ms; kind refuse, reset, 502, 503 or 504) such as 5000+120000:refuse, got "${value}"`,
    );
  return [...previous, { atMs: Number(m[1]), durationMs: Number(m[2]), kind: m[3] as OutageKind }];
}

/** commander parser for a repeatable `--price MODEL=USD` (a model name or a fal endpoint id). */
export function priceSpec(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^\s*([^=\s]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(value);
  const endpoint = m?.[1] === undefined ? undefined : findEndpoint(m[1]);
  if (!m || !endpoint)
    throw new InvalidArgumentError(
      `expected MODEL=USD per image with a known model (${modelNames().join(", ")}) or endpoint id, got "${value}"`,
    );
  return { ...previous, [endpoint.id]: Number(m[2]) };
}

/** commander parser: `hold` or a whole number of milliseconds. */
export function holdOrMs(value: string): number | "hold" {
  return value.trim() === "hold" ? "hold" : wholeNumber(0, 3_600_000)(value);
}
