/**
 * The URLs the emulator gives out (queue replies, upload and file URLs, results): its own base
 * URL, or, when it plays fal's hosts (`falHosts`), fal's own (`https://queue.fal.run/…`,
 * `https://v3.fal.media/…`), which only a client sending every fal host to the base URL reaches.
 */
export interface PublicUrls {
  /** A queue URL (`status_url` and the like) for a path of the emulator. */
  queue(path: string): string;
  /** A file URL (an upload's `file_url`, a result image, the upload's `PUT`). */
  cdn(path: string): string;
  /** The emulator's path of one of its own URLs (its base, or fal's hosts when it plays them). */
  ownPath(url: string): string | undefined;
}

const FAL_QUEUE = "https://queue.fal.run";
const FAL_CDN = "https://v3.fal.media";

export function publicUrls(baseUrl: () => string, falHosts: boolean): PublicUrls {
  return {
    queue: (path) => `${falHosts ? FAL_QUEUE : baseUrl()}${path}`,
    cdn: (path) => `${falHosts ? FAL_CDN : baseUrl()}${path}`,
    ownPath(url) {
      for (const origin of falHosts ? [FAL_CDN, FAL_QUEUE, baseUrl()] : [baseUrl()])
        if (url.startsWith(`${origin}/`)) return url.slice(origin.length);
      return undefined;
    },
  };
}
