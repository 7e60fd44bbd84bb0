import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writePng } from "./images.js";
import { type CliResult, runCli } from "./run-cli.js";

/**
 * A manifest of `skus` rows (a SKU, named `Shoe <sku>`, or a SKU and its product name), each
 * edited from a product photo and a studio photo, into `<dir>/out/shoes`.
 */
export async function writeReviewManifest(
  dir: string,
  skus: ReadonlyArray<string | { readonly sku: string; readonly name: string }>,
): Promise<string> {
  await writePng(join(dir, "product.png"), 400, 300, "#2255aa");
  await writePng(join(dir, "studio.png"), 500, 300, "#cc8844");
  const manifest = join(dir, "m.yaml");
  await writeFile(
    manifest,
    `name: shoes
model: seedream-v4.5
images: { product: ./product.png, studio: ./studio.png }
prompts: { hero: "{{name}} on a white sweep, as Figure 1 in the studio of Figure 2" }
sizes: { square: square_hd }
rows:
${skus.map((s) => (typeof s === "string" ? `  - { sku: ${s}, name: Shoe ${s} }` : `  - { sku: ${s.sku}, name: "${s.name}" }`)).join("\n")}
jobs: [{ id: "{{sku}}", prompt: hero }]
`,
  );
  return manifest;
}

/** Runs the manifest against an emulator (`falUrl`, `key`); the output folder is `<dir>/out/shoes`. */
export async function runReviewManifest(
  dir: string,
  falUrl: string,
  key: string,
): Promise<CliResult & { out: string }> {
  const r = await runCli(["run", join(dir, "m.yaml"), "-o", join(dir, "out"), "--fal-base-url", falUrl], {
    env: { FAL_KEY: key },
  });
  return { ...r, out: join(dir, "out", "shoes") };
}
