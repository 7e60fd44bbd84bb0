import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import sharp from "sharp";
import type { ImageSpec } from "../src/manifest/index.js";
import { deliverFromOriginal } from "../src/outputs/index.js";

export interface PostprocessFigures {
  readonly images: number;
  readonly cores: number;
  readonly oursPerS: number;
  readonly plainPerS: number;
  readonly ratio: number;
}

/** A 2048² PNG with a gradient and noise, so encoding is not trivially cheap. */
async function makeSource(i: number): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width: 2048,
      height: 2048,
      channels: 3,
      background: "#000",
      noise: { type: "gaussian", mean: 128, sigma: 30 },
    },
  })
    .png()
    .toBuffer();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2048" height="2048"><defs><linearGradient id="g" x1="0" x2="1" y1="0" y2="1"><stop offset="0" stop-color="hsl(${(i * 37) % 360},70%,60%)"/><stop offset="1" stop-color="#223"/></linearGradient></defs><rect width="2048" height="2048" fill="url(#g)" fill-opacity="0.85"/></svg>`;
  return sharp(noise)
    .composite([{ input: Buffer.from(svg) }])
    .png({ compressionLevel: 6 })
    .toBuffer();
}

const webp90: ImageSpec = { format: "webp", quality: 90, resize: undefined, keepMetadata: false };
const thumb: ImageSpec = {
  format: "webp",
  quality: 90,
  resize: { width: 512, height: undefined, fit: "inside", background: "#fff", upscale: false },
  keepMetadata: false,
};

/** Post-processing throughput: 2048² PNG → WebP q90 + a 512 px thumb, ours against a plain sharp loop. */
export async function benchPostprocess(count = 24): Promise<PostprocessFigures> {
  const dir = await mkdtemp(join(tmpdir(), "seedream-bench-post-"));
  const cores = availableParallelism();
  try {
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const path = join(dir, `src-${i}.png`);
      await writeFile(path, await makeSource(i));
      files.push(path);
    }
    // The plain loop: read, encode the WebP and the thumb, write; as many at once as cores.
    await mkdir(join(dir, "plain"));
    const plainLimit = pLimit(cores);
    const t0 = performance.now();
    await Promise.all(
      files.map((f, i) =>
        plainLimit(async () => {
          const input = await readFile(f);
          await sharp(input)
            .webp({ quality: 90 })
            .toFile(join(dir, "plain", `${i}.webp`));
          await sharp(input)
            .resize(512, 512, { fit: "inside" })
            .webp({ quality: 90 })
            .toFile(join(dir, "plain", `${i}.thumb.webp`));
        }),
      ),
    );
    const plainS = (performance.now() - t0) / 1000;
    // Ours: the runner's delivery (orientation, sRGB, metadata, atomic writes, hashes, sidecar) in its pool.
    const out = join(dir, "ours");
    const cpu = pLimit(cores);
    const outer = pLimit(cores);
    const t1 = performance.now();
    await Promise.all(
      files.map((f, i) =>
        outer(async () => {
          const bytes = await readFile(f);
          await deliverFromOriginal(
            out,
            bytes,
            { sha256: `s${i}`, ext: "png" },
            f,
            {
              n: 1,
              main: webp90,
              pathFor: (ext) => `${i}.${ext}`,
              derivatives: [{ name: "thumb", spec: thumb, pathFor: (ext) => `${i}.thumb.${ext}` }],
              sidecar: { job: `job-${i}` },
            },
            (fn) => cpu(fn),
          );
        }),
      ),
    );
    const oursS = (performance.now() - t1) / 1000;
    return {
      images: count,
      cores,
      oursPerS: count / oursS,
      plainPerS: count / plainS,
      ratio: plainS / oursS,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatPostprocess(f: PostprocessFigures): string {
  return [
    `post-processing: ${f.images} × 2048² PNG → WebP q90 + 512 px thumb, ${f.cores} cores busy`,
    `  ours (pool, atomic writes, hashes, sidecar)  ${f.oursPerS.toFixed(2)} images/s`,
    `  plain sharp loop                             ${f.plainPerS.toFixed(2)} images/s`,
    `  ours / plain                                 ${(100 * f.ratio).toFixed(1)}%  (goal ≥ 90%)`,
  ].join("\n");
}
