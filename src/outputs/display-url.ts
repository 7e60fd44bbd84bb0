/** Shortens a `data:` URI for reports and logs; other URLs pass unchanged. */
export function displayUrl(url: string): string {
  if (!url.startsWith("data:")) return url;
  const comma = url.indexOf(",");
  return `${url.slice(0, Math.max(0, comma))},… (${url.length - comma - 1} chars)`;
}
