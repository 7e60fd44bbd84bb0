/**
 * The longest `Retry-After` honoured, in ms. A longer one (or a date years ahead) is not a rate
 * limit but fal saying it is away: the call counts as failed for an outage (see `OutageGate`),
 * and waits this long at most.
 */
export const MAX_RETRY_AFTER_MS = 120_000;

/**
 * When a `Retry-After` header lets the next call go, in epoch ms: delay-seconds (decimals
 * accepted) or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function retryAfterDeadline(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return now + Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date;
}
