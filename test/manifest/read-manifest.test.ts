import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../src/manifest/index.js";
import { writePng } from "../helpers/images.js";
import { readValid, writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("readManifest", () => {
  it("reads every example in pipelines/", async () => {
    for (const file of ["demo.yaml", "catalog-refresh.yaml", "marketing-campaign.yaml"]) {
      const m = await readValid(join("pipelines", file));
      expect(m.format).toBe("yaml");
    }
    const csv = await readValid("pipelines/standalone.csv");
    expect([csv.format, csv.name, csv.jobs.length]).toEqual(["csv", "standalone", 3]);
  });

  it("accepts a BOM and CRLF line ends, and reads {{env.NAME}} once", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "\ufeffname: crlf\r\nmodel: seedream-v5-lite\r\nenv: [BRAND, OTHER]\r\nimages:\r\n  a: ./a.png\r\nprompts:\r\n  p: For {{env.BRAND}}\r\n",
      "a.png": (p) => writePng(p, 40, 30),
    });
    const m = await readValid(join(dir, "m.yaml"), { env: { BRAND: "Stride", OTHER: "x" } });
    expect(m.env).toEqual({ BRAND: "Stride" });
  });

  it("warns, without failing, when v5 lite will rescale a custom size", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "name: w\nmodel: seedream-v5-lite\nimages: { a: https://img.example/a.png }\nprompts: { p: hi }\nsizes:\n  small: 1280x720\n",
    });
    const m = await readValid(join(dir, "m.yaml"));
    expect(m.warnings).toEqual([
      `${join(dir, "m.yaml")}:6:10: sizes.small: 1280x720 is outside seedream-v5-lite's pixel range; fal will rescale it to about 2560x1440`,
    ]);
  });

  it("reads no image: a missing one is the next stage's to find", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": "name: n\nmodel: seedream-v4.5\nimages: { a: ./missing.png }\nprompts: { p: hi }\n",
    });
    const read = await readManifest(join(dir, "m.yaml"), { env: {} });
    expect(read).toMatchObject({ ok: true, issues: [] });
  });
});
