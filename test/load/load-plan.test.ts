import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../src/load/load-plan.js";
import { pngBytes, writePng } from "../helpers/images.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("loadPlan", () => {
  it("chains read → expand → resolve → plan: {{env.NAME}} filled, images read", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": "name: e\nmodel: seedream-v5-lite\nimages:\n  a: ./a.png\nprompts:\n  p: For {{env.BRAND}}\n",
      "a.png": (p) => writePng(p, 40, 30),
    });
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: { BRAND: "Stride" } });
    expect(plan.jobs[0]?.input.prompt).toBe("For Stride");
    expect(plan.jobs[0]?.images[0]).toMatchObject({ kind: "file", width: 40, height: 30 });
  });

  it("passes data: URIs and URLs through, and reads a file named twice once", async () => {
    const dir = await tempDir();
    const data = `data:image/png;base64,${(await pngBytes(8, 8)).toString("base64")}`;
    await writeFiles(dir, {
      "m.yaml": `name: d\nmodel: seedream-v4.5\nimages:\n  a: ["${data}", ./a.png, https://img.example/x.png]\n  b: ./sub/../a.png\nprompts: { p: hi }\n`,
      "a.png": (p) => writePng(p, 10, 10),
    });
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
    expect(plan.jobs[0]?.images.map((r) => r.kind)).toEqual(["url", "file", "url", "file"]);
    expect(plan.uploads).toEqual([expect.objectContaining({ path: join(dir, "a.png") })]);
  });

  it("reports the issues of every stage at once", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        'name: all\nmodel: seedream-v4.5\nimages: { a: ./gone.png }\nprompts: { p: "{{nope}}" }\nprices: { seedream-v9: 1 }\n',
    });
    const error = await loadPlan(join(dir, "m.yaml"), { env: {} }).catch((e: Error) => e);
    expect((error as Error).message.replaceAll(dir, "<dir>").split("\n")).toEqual([
      "<dir>/m.yaml:3:14: images.a: file not found: <dir>/gone.png",
      "<dir>/m.yaml:4:15: prompts.p: `{{nope}}` is not a variable of any row",
      "<dir>/m.yaml:5:11: prices.seedream-v9: unknown model `seedream-v9`, did you mean `seedream-v4.5`?",
    ]);
  });
});
