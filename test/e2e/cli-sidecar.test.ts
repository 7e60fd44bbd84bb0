import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-sidecar-test";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** The price is a row value no prompt uses: it is not in the job key, but it is in the sidecar. */
const manifest = (price: string) => `name: shop
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows: [{ sku: A, name: Alpha, price: "${price}" }]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`;

describe("sidecars of up-to-date images", () => {
  it("are rewritten when a row value outside the job key changes, and left alone otherwise", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
    await writeFile(join(dir, "m.yaml"), manifest("19.99"));
    emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 10 });
    const out = join(dir, "out");
    const run = () =>
      runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator?.url ?? ""], {
        env: { FAL_KEY: KEY },
      });
    expect((await run()).code).toBe(0);
    const image = join(out, "shop", "A-square-1.png");
    const sidecarFile = `${image}.json`;
    const first = JSON.parse(await readFile(sidecarFile, "utf8"));
    expect(first.row).toEqual({ sku: "A", name: "Alpha", price: "19.99" });
    const imageBefore = await stat(image, { bigint: true });

    await writeFile(join(dir, "m.yaml"), manifest("17.49"));
    const again = await run();
    expect(again.stdout).toContain("1 jobs: 0 succeeded, 1 up to date, 0 failed");
    const second = JSON.parse(await readFile(sidecarFile, "utf8"));
    expect(second).toEqual({ ...first, row: { sku: "A", name: "Alpha", price: "17.49" } });
    // The image itself was not touched, and no request was sent.
    expect((await stat(image, { bigint: true })).mtimeNs).toBe(imageBefore.mtimeNs);
    expect(emulator.requests.filter((r) => r.op === "submit")).toHaveLength(1);

    const sidecarMtime = (await stat(sidecarFile, { bigint: true })).mtimeNs;
    expect((await run()).code).toBe(0);
    expect((await stat(sidecarFile, { bigint: true })).mtimeNs).toBe(sidecarMtime);
  });
});
