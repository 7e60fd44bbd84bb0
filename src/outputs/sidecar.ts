import { join } from "node:path";
import { readTextFile, writeFileAtomic } from "../files/index.js";

/** What a sidecar says of the image itself (a delivered image or its journal record). */
export interface SidecarImage {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly sha256: string;
  readonly contentType: string;
  readonly sourceUrl: string;
  readonly derivatives: ReadonlyArray<{
    readonly name: string;
    readonly path: string;
    readonly width: number;
    readonly height: number;
    readonly sha256: string;
  }>;
}

/** The part of a delivery a sidecar needs: the image's index and its fields (none: no sidecar). */
export interface SidecarDelivery {
  readonly n: number;
  readonly sidecar: Readonly<Record<string, unknown>> | undefined;
}

/** Where an image's sidecar is: beside it, `<image>.json`. */
export const sidecarPath = (imagePath: string) => `${imagePath}.json`;

/**
 * The sidecar's text: the delivery's fields (job, row, prompt, model, request…) and the image's
 * own facts. `createdAt` (ISO) keeps the time an earlier sidecar gave, so a rewrite for a
 * changed row value does not pretend the image is new.
 */
export function sidecarText(
  fields: Readonly<Record<string, unknown>>,
  n: number,
  saved: SidecarImage,
  createdAt?: string,
): string {
  const body = {
    ...fields,
    ...(createdAt === undefined ? {} : { created_at: createdAt }),
    image: {
      n,
      path: saved.path,
      width: saved.width,
      height: saved.height,
      sha256: saved.sha256,
      content_type: saved.contentType,
    },
    derivatives: saved.derivatives.map((d) => ({
      name: d.name,
      path: d.path,
      width: d.width,
      height: d.height,
      sha256: d.sha256,
    })),
    source_url: saved.sourceUrl,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Writes an image's sidecar (atomically), when its delivery asks for one. */
export async function writeSidecar(
  outputDir: string,
  delivery: SidecarDelivery,
  saved: SidecarImage,
): Promise<void> {
  if (!delivery.sidecar) return;
  await writeFileAtomic(
    join(outputDir, sidecarPath(saved.path)),
    sidecarText(delivery.sidecar, delivery.n, saved),
    { within: outputDir },
  );
}

/**
 * Rewrites the sidecar of an image that is up to date when what it should say changed (a row
 * value outside the job key, such as a price, or a sidecar deleted or edited); leaves it
 * untouched otherwise. Returns whether it wrote.
 */
export async function refreshSidecar(
  outputDir: string,
  delivery: SidecarDelivery,
  saved: SidecarImage,
): Promise<boolean> {
  if (!delivery.sidecar) return false;
  const path = join(outputDir, sidecarPath(saved.path));
  const current = await readTextFile(path, { within: outputDir });
  let createdAt: string | undefined;
  try {
    const parsed = current === undefined ? undefined : (JSON.parse(current) as { created_at?: unknown });
    if (typeof parsed?.created_at === "string") createdAt = parsed.created_at;
  } catch {
    // An unreadable sidecar is replaced whole.
  }
  const wanted = sidecarText(delivery.sidecar, delivery.n, saved, createdAt);
  if (wanted === current) return false;
  await writeFileAtomic(path, wanted, { within: outputDir });
  return true;
}
