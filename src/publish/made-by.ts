import type { Report } from "../report/index.js";
import type { PublishItem } from "./plan-publish.js";

/** Images to publish that fal did not make, and where they came from instead. */
export interface NotFromFal {
  readonly images: number;
  /** The run's fal target (the emulator's or a base URL), or the hosts the images came from. */
  readonly where: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The loopback host an image was downloaded from (the emulator's), or undefined. */
function loopbackHost(sourceUrl: string): string | undefined {
  try {
    const url = new URL(sourceUrl);
    return url.protocol.startsWith("http") && LOOPBACK.test(url.hostname) ? url.host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which of the images to publish were not made by fal: every one when the run's traffic went
 * elsewhere (`--emulator`, `--fal-base-url`: a job is only up to date for the target it was
 * made by), and any downloaded from a loopback host (kept in the report from an earlier run).
 * Pure.
 */
export function notFromFal(report: Report, items: readonly PublishItem[]): NotFromFal | undefined {
  const chosen = new Set(items.filter((i) => i.kind === "image").map((i) => i.path));
  const offTarget = report.run.fal_target !== "fal";
  const hosts = new Set<string>();
  let images = 0;
  for (const job of report.jobs)
    for (const o of job.outputs) {
      if (!chosen.has(o.path)) continue;
      const host = loopbackHost(o.source_url);
      if (!offTarget && host === undefined) continue;
      images += 1;
      if (host !== undefined) hosts.add(host);
    }
  if (images === 0) return undefined;
  return { images, where: offTarget ? report.run.fal_target : [...hosts].join(", ") };
}
