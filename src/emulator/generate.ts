import sharp from "sharp";
import {
  type EndpointDefinition,
  type FalFieldError,
  type PixelSize,
  ratioSize,
  resolvePixelSize,
  validateEndpointInput,
} from "../endpoints/index.js";
import type { FileStore } from "./files.js";
import type { PublicUrls } from "./public-urls.js";
import { renderResultImage } from "./render.js";
import type { Outcome } from "./request-store.js";

/** What generation needs from the emulator around it. */
export interface GenerateContext {
  readonly files: FileStore;
  /** The emulator's URLs: its own files are read from the store, not over HTTP. */
  readonly urls: PublicUrls;
  /** How long the generated files are served (real ms), per the request's lifecycle preference. */
  readonly mediaLifetimeMs: number | undefined;
  readonly random: () => number;
  readonly multiImage: "max" | "min";
  readonly blockedWords: readonly string[];
  readonly render: "full" | "fast" | "fast-large";
}

export interface GeneratedImage {
  readonly url: string;
  readonly content_type: string;
  readonly file_name: string;
  readonly file_size: number;
  readonly width: number;
  readonly height: number;
}

function validation(detail: FalFieldError[]): Outcome {
  return { httpStatus: 422, body: { detail }, errorType: "validation_error" };
}

const plainImages = new Map<string, Promise<Buffer>>();

/**
 * One flat PNG per size, made once: the benchmark's images (real files at the real size).
 * `large`: the top 15 % is noise, which PNG cannot compress, so the file weighs what a real
 * result does (about 1.7 MB at 1920²) rather than a few kilobytes.
 */
function plainImage(size: PixelSize, large: boolean): Promise<Buffer> {
  const key = `${size.width}x${size.height}${large ? "-large" : ""}`;
  let image = plainImages.get(key);
  if (!image) {
    image = (async () => {
      const flat = sharp({
        create: { width: size.width, height: size.height, channels: 3, background: "#808890" },
      });
      if (!large) return flat.png({ compressionLevel: 9 }).toBuffer();
      const height = Math.max(1, Math.round(size.height * 0.15));
      const noise = { type: "gaussian" as const, mean: 128, sigma: 20 };
      const band = await sharp({
        create: { width: size.width, height, channels: 3, background: "#000", noise },
      })
        .png()
        .toBuffer();
      return flat
        .composite([{ input: band, top: 0, left: 0 }])
        .png({ compressionLevel: 9 })
        .toBuffer();
    })();
    plainImages.set(key, image);
  }
  return image;
}

/** Fetches one input image: from the emulator's own storage, a `data:` URI, or http(s). */
async function fetchInput(ctx: GenerateContext, url: string): Promise<Buffer> {
  const own = ctx.urls.ownPath(url);
  if (own?.startsWith("/files/")) {
    const file = ctx.files.get(own);
    if (!file) throw new Error("file not found in storage");
    return file.bytes;
  }
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    if (comma < 0) throw new Error("malformed data URI");
    const meta = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    return meta.endsWith(";base64")
      ? Buffer.from(payload, "base64")
      : Buffer.from(decodeURIComponent(payload), "latin1");
  }
  if (/^https?:\/\//i.test(url)) {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }
  throw new Error("unsupported URL scheme");
}

/** Downloads and decodes every input; a failure is fal's 422 naming the list index. */
async function loadInputs(
  ctx: GenerateContext,
  endpoint: EndpointDefinition,
  urls: readonly string[],
): Promise<{ images: Buffer[]; firstSize: PixelSize | undefined } | Outcome> {
  // fal keeps only the last N inputs when more are sent.
  const kept = urls.slice(-endpoint.maxInputImages);
  const offset = urls.length - kept.length;
  const images: Buffer[] = [];
  let firstSize: PixelSize | undefined;
  for (const [i, url] of kept.entries()) {
    try {
      const bytes = await fetchInput(ctx, url);
      const meta = await sharp(bytes).metadata();
      if (!meta.width || !meta.height) throw new Error("not an image");
      if (i === 0) firstSize = { width: meta.width, height: meta.height };
      images.push(bytes);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return validation([
        {
          loc: endpoint.imageField.list
            ? ["body", endpoint.imageField.name, i + offset]
            : ["body", endpoint.imageField.name],
          msg: `Could not load image from URL: ${why}`,
          type: "value_error",
        },
      ]);
    }
  }
  return { images, firstSize };
}

function imageCount(ctx: GenerateContext, input: Record<string, unknown>): number {
  const generations = typeof input.num_images === "number" ? input.num_images : 1;
  const perGeneration = typeof input.max_images === "number" ? input.max_images : 1;
  return generations * (ctx.multiImage === "max" ? perGeneration : 1);
}

/** A square of about a megapixel, or the input's aspect ratio at that area: what another model renders for a size the emulator has no table for. */
const OTHER_MODEL_AREA = 1024 * 1024;

/** The size a request asks for (its value, for the caption) and the pixels the emulator renders for it. */
function renderedSize(
  endpoint: EndpointDefinition,
  input: Record<string, unknown>,
  firstSize: PixelSize | undefined,
): { sizeValue: string | PixelSize; size: PixelSize } {
  const field = endpoint.sizeField;
  const fallback = (firstSize && ratioSize(`${firstSize.width}:${firstSize.height}`, OTHER_MODEL_AREA)) ?? {
    width: 1024,
    height: 1024,
  };
  if (field?.kind === "width_height") {
    const width = input[field.width];
    const height = input[field.height];
    if (typeof width === "number" && typeof height === "number")
      return { sizeValue: { width, height }, size: { width, height } };
    return { sizeValue: "default", size: fallback };
  }
  const sent = field ? (input[field.name] as string | PixelSize | undefined) : undefined;
  const sizeValue = sent ?? endpoint.defaultImageSize;
  if (field?.kind === "aspect_ratio" && typeof sizeValue === "string")
    return { sizeValue, size: ratioSize(sizeValue, OTHER_MODEL_AREA) ?? fallback };
  return { sizeValue, size: resolvePixelSize(endpoint, sizeValue, firstSize) ?? fallback };
}

/**
 * Runs one request as the model would: validates the input (fal's 422 on failure), loads the
 * input images, renders the outputs at the requested size, stores them and answers the
 * endpoint's output body.
 */
export async function generate(
  ctx: GenerateContext,
  endpoint: EndpointDefinition,
  requestId: string,
  rawInput: unknown,
): Promise<Outcome> {
  const errors = validateEndpointInput(endpoint, rawInput);
  if (errors.length > 0) return validation(errors);
  const input = rawInput as Record<string, unknown>;
  const prompt = String(input.prompt).toLowerCase();
  if (ctx.blockedWords.some((w) => prompt.includes(w.toLowerCase())))
    return {
      httpStatus: 422,
      body: {
        detail: [
          {
            loc: ["body", "prompt"],
            msg: "The content could not be processed because it contained material flagged by a content checker.",
            type: "content_policy_violation",
          },
        ],
      },
      errorType: "content_policy_violation",
    };
  const field = input[endpoint.imageField.name];
  const urls = Array.isArray(field) ? (field as string[]) : field === undefined ? [] : [field as string];
  const loaded = await loadInputs(ctx, endpoint, urls);
  if ("httpStatus" in loaded) return loaded;
  const { sizeValue, size } = renderedSize(endpoint, input, loaded.firstSize);
  const count = imageCount(ctx, input);
  // A seed the schema does not take is ignored (what fal does with an unknown field is undocumented).
  const seed =
    endpoint.inputs.seed && typeof input.seed === "number" ? input.seed : Math.floor(ctx.random() * 2 ** 31);
  const sizeLabel = typeof sizeValue === "string" ? sizeValue : "custom";
  const images: GeneratedImage[] = [];
  for (let i = 0; i < count; i++) {
    const bytes =
      ctx.render !== "full"
        ? await plainImage(size, ctx.render === "fast-large")
        : await renderResultImage({
            size,
            inputs: loaded.images,
            prompt: String(input.prompt),
            caption: `${endpoint.model} · ${sizeLabel} ${size.width}x${size.height} · image ${i + 1}/${count} · seed ${seed} · req ${requestId.slice(0, 8)}`,
          });
    const fileName = `${requestId.slice(0, 8)}-${i}.png`;
    const path = `/files/results/${requestId}/${fileName}`;
    ctx.files.put(path, { bytes, contentType: "image/png" }, ctx.mediaLifetimeMs);
    const url =
      input.sync_mode === true ? `data:image/png;base64,${bytes.toString("base64")}` : ctx.urls.cdn(path);
    images.push({ url, content_type: "image/png", file_name: fileName, file_size: bytes.length, ...size });
  }
  const body = endpoint.returnsSeed ? { images, seed } : { images };
  return { httpStatus: 200, body };
}
