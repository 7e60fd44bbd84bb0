import { InvalidArgumentError } from "commander";

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

/** commander parser: `MS` or `MIN-MAX` milliseconds. */
export function msRange(value: string): number | { min: number; max: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected MS or MIN-MAX milliseconds, got "${value}"`);
  const min = Number(m[1]);
  if (m[2] === undefined) return min;
  const max = Number(m[2]);
  if (max < min) throw new InvalidArgumentError(`range ${value} ends before it starts`);
  return { min, max };
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
