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
