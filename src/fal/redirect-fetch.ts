/**
 * fal's hosts: the queue (`queue.fal.run`), REST, storage and the Platform API (`*.fal.ai`),
 * and the CDN that serves uploads and generated files (`*.fal.media`, e.g. `v3.fal.media`).
 */
const FAL_HOST = /(^|\.)fal\.(ai|run|media)$/i;

/** Whether a host name is one of fal's. */
export function isFalHost(hostname: string): boolean {
  return FAL_HOST.test(hostname);
}

/**
 * Wraps `fetch` so every call to a fal host goes to `baseUrl` instead, keeping fal's real
 * path and query, so a server (the emulator, a proxy, a recorder) routes on the path alone.
 * The CDN is a fal host too: an upload's `PUT` and a result's download reach the base URL.
 * Other hosts (e.g. an input image's own server) are left as they are.
 */
export function redirectingFetch(baseUrl: string, inner: typeof fetch = fetch): typeof fetch {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : String(input));
    if (!isFalHost(original.hostname)) return inner(input, init);
    const target = new URL(base.origin);
    target.pathname = `${prefix}${original.pathname}`;
    target.search = original.search;
    return inner(input instanceof Request ? new Request(target, input) : target, init);
  };
}
