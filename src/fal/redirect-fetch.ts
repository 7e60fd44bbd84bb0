/** fal's hosts: the queue (`queue.fal.run`), REST and storage (`rest.fal.ai`), and the like. */
const FAL_HOST = /(^|\.)fal\.(ai|run)$/i;

/**
 * Wraps `fetch` so every call to a fal host goes to `baseUrl` instead, keeping fal's real
 * path and query, so a server (the emulator, a proxy, a recorder) routes on the path alone.
 * Other hosts (e.g. an input image's own server) are left as they are.
 */
export function redirectingFetch(baseUrl: string, inner: typeof fetch = fetch): typeof fetch {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : String(input));
    if (!FAL_HOST.test(original.hostname)) return inner(input, init);
    const target = new URL(base.origin);
    target.pathname = `${prefix}${original.pathname}`;
    target.search = original.search;
    return inner(input instanceof Request ? new Request(target, input) : target, init);
  };
}
