import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../src/manifest/index.js";
import { planPipeline } from "../../src/plan/index.js";
import { pngBytes, writePng } from "../helpers/images.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("readManifest", () => {
  it("reads every example in pipelines/", async () => {
    for (const file of ["demo.yaml", "catalog-refresh.yaml", "marketing-campaign.yaml"]) {
      const m = await readManifest(join("pipelines", file), { env: {} });
      expect(m.format).toBe("yaml");
    }
    const csv = await readManifest("pipelines/standalone.csv", { env: {} });
    expect([csv.format, csv.name, csv.jobs.length]).toEqual(["csv", "standalone", 3]);
  });

  it("accepts a BOM and CRLF line ends, and reads {{env.NAME}} once", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "\ufeffname: crlf\r\nmodel: seedream-v5-lite\r\nimages:\r\n  a: ./a.png\r\nprompts:\r\n  p: For {{env.BRAND}}\r\n",
      "a.png": (p) => writePng(p, 40, 30),
    });
    const m = await readManifest(join(dir, "m.yaml"), { env: { BRAND: "Stride", OTHER: "x" } });
    expect(m.env).toEqual({ BRAND: "Stride" });
    expect(planPipeline(m).jobs[0]?.input.prompt).toBe("For Stride");
  });

  it("warns, without failing, when v5 lite will rescale a custom size", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "name: w\nmodel: seedream-v5-lite\nimages: { a: https://img.example/a.png }\nprompts: { p: hi }\nsizes:\n  small: 1280x720\n",
    });
    const m = await readManifest(join(dir, "m.yaml"), { env: {} });
    expect(m.warnings).toEqual([
      `${join(dir, "m.yaml")}:6:10: sizes.small: 1280x720 is outside seedream-v5-lite's pixel range; fal will rescale it to about 2560x1440`,
    ]);
  });

  it("passes data: URIs and URLs through, and reads a file named twice once", async () => {
    const dir = await tempDir();
    const data = `data:image/png;base64,${(await pngBytes(8, 8)).toString("base64")}`;
    await writeFiles(dir, {
      "m.yaml": `name: d\nmodel: seedream-v4.5\nimages:\n  a: ["${data}", ./a.png, https://img.example/x.png]\n  b: ./sub/../a.png\nprompts: { p: hi }\n`,
      "a.png": (p) => writePng(p, 10, 10),
    });
    const m = await readManifest(join(dir, "m.yaml"), { env: {} });
    expect([...m.images.keys()]).toEqual([join(dir, "a.png")]);
    const plan = planPipeline(m);
    expect(plan.jobs[0]?.images.map((r) => r.kind)).toEqual(["url", "file", "url", "file"]);
    expect(plan.uploads).toHaveLength(1);
  });
});
