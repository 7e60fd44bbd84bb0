import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { planJson } from "../../src/plan/index.js";
import { pngBytes, writePng } from "../helpers/images.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("loadPlan", () => {
  it("chains read → expand → resolve → plan: {{env.NAME}} filled, images read", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "name: e\nmodel: seedream-v5-lite\nenv: [BRAND]\nimages:\n  a: ./a.png\nprompts:\n  p: For {{env.BRAND}} {{env.SEEDREAM_VAR_SEASON}}\n",
      "a.png": (p) => writePng(p, 40, 30),
    });
    const { plan } = await loadPlan(join(dir, "m.yaml"), {
      env: { BRAND: "Stride", SEEDREAM_VAR_SEASON: "Fall" },
    });
    expect(plan.jobs[0]?.input.prompt).toBe("For Stride Fall");
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
      "<dir>/m.yaml:5:11: prices.seedream-v9: unknown model `seedream-v9`, did you mean `seedream-v4.5`? models: seedream-v4.5, fal-ai/bytedance/seedream/v4.5/edit, seedream-v5-lite, bytedance/seedream/v5/lite/edit, fal-ai/bytedance/seedream/v5/lite/edit",
    ]);
  });
});

describe("loadPlan: rows files as people keep them", () => {
  const png = (p: string) => writePng(p, 16, 16);
  const head =
    'name: r\nmodel: seedream-v4.5\nimages: { studio: ./studio.png }\nprompts: { p: "Show {{name}}" }\n';
  const jobs = 'jobs:\n  - { id: "{{sku}}", prompt: p, images: [studio, "{{image}}"] }\n';

  it("reads a semicolon CSV (Excel in many locales) and a tab-separated one without being told", async () => {
    for (const [name, sep] of [
      ["semi", ";"],
      ["tab", "\t"],
    ] as const) {
      const dir = await tempDir();
      await writeFiles(dir, {
        "m.yaml": `${head}rows: ./rows.csv\n${jobs}`,
        "rows.csv": [
          ["sku", "name", "image"],
          ["A1", '"Shoe; red, left"', "./a.png"],
          ["A2", "Boot", "./a.png"],
        ]
          .map((fields) => fields.join(sep))
          .join("\n"),
        "studio.png": png,
        "a.png": png,
      });
      const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
      expect(
        plan.jobs.map((j) => [j.id, j.input.prompt]),
        name,
      ).toEqual([
        ["A1-auto_2K", "Show Shoe; red, left"],
        ["A2-auto_2K", "Show Boot"],
      ]);
    }
  });

  it("reads a standalone semicolon CSV too, its image paths from its own folder", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "sub/jobs.csv": 'id;prompt;image_urls;num_images\nj1;"Hi; there";./a.png|https://img.example/b.png;2\n',
      "sub/a.png": (p) => writePng(p, 12, 12),
    });
    const { plan } = await loadPlan(join(dir, "sub/jobs.csv"), { env: {}, model: "seedream-v5-lite" });
    expect(plan.jobs.map((j) => [j.id, j.input.prompt, j.input.num_images])).toEqual([
      ["j1", "Hi; there", 2],
    ]);
    expect(plan.uploads.map((u) => u.path)).toEqual([join(dir, "sub/a.png")]);
  });

  it("resolves image paths from a CSV against the CSV's folder, or against rows.base", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": `${head}rows: ./data/rows.csv\n${jobs}`,
      "n.yaml": `${head}rows: { file: ./data/rows.csv, base: ./photos }\n${jobs}`,
      "data/rows.csv": "sku,name,image\nA1,Shoe,./img/a.png\n",
      "data/img/a.png": (p) => writePng(p, 20, 10),
      "photos/img/a.png": (p) => writePng(p, 30, 10),
      "studio.png": png,
    });
    const fromCsv = (await loadPlan(join(dir, "m.yaml"), { env: {} })).plan.jobs[0]?.images;
    expect(fromCsv?.map((r) => (r.kind === "file" ? r.path : r.url))).toEqual([
      join(dir, "studio.png"),
      join(dir, "data/img/a.png"),
    ]);
    const fromBase = (await loadPlan(join(dir, "n.yaml"), { env: {} })).plan.jobs[0]?.images[1];
    expect(fromBase).toMatchObject({ path: join(dir, "photos/img/a.png"), width: 30 });
  });
});

describe("loadPlan: on_invalid_row", () => {
  const files = (mode: string) => ({
    "m.yaml": `name: nightly\nmodel: seedream-v4.5\n${mode}images: { studio: ./studio.png }\nprompts: { p: "Show {{name}}" }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, images: [studio, "{{image}}"] }\n`,
    "rows.csv": "sku,name,image\nA1,Shoe,./a.png\nA2,Boot,./missing.png\nA3,Hat\nA4,Cap,\nA5,Sock,./a.png\n",
    "studio.png": (p: string) => writePng(p, 16, 16),
    "a.png": (p: string) => writePng(p, 16, 16),
  });

  it("fail (the default) stops on a bad row before anything is planned", async () => {
    const dir = await tempDir();
    await writeFiles(dir, files(""));
    const error = await loadPlan(join(dir, "m.yaml"), { env: {} }).catch((e: Error) => e);
    expect((error as Error).message.replaceAll(dir, "<dir>").split("\n")).toEqual([
      "<dir>/rows.csv:4:3: image: CSV: wrong number of fields: columns length is 3, got 2",
    ]);
  });

  it("skip leaves out each bad row with its issues, in the plan and its warnings, and plans the rest", async () => {
    const dir = await tempDir();
    await writeFiles(dir, files("on_invalid_row: skip\n"));
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
    expect(plan.jobs.map((j) => j.id)).toEqual(["A1-auto_2K", "A5-auto_2K"]);
    expect(plan.totalJobs).toBe(2);
    const rel = (s: string) => s.replaceAll(`${dir}/`, "");
    expect(plan.skipped.map((s) => [s.row, s.at.line, s.issues.map((i) => rel(i.message))])).toEqual([
      [2, 3, ["file not found: missing.png"]],
      [3, 4, ["CSV: wrong number of fields: columns length is 3, got 2"]],
      [4, 5, ["empty image reference (used by jobs[0].images[1])"]],
    ]);
    expect(plan.warnings.map((w) => rel(w.replaceAll(dir, "<dir>")))).toEqual([
      "<dir>/rows.csv:3: row 2 skipped (on_invalid_row: skip): <dir>/rows.csv:3:3: image: file not found: <dir>/missing.png",
      "<dir>/rows.csv:4: row 3 skipped (on_invalid_row: skip): <dir>/rows.csv:4:3: image: CSV: wrong number of fields: columns length is 3, got 2",
      "<dir>/rows.csv:5: row 4 skipped (on_invalid_row: skip): <dir>/rows.csv:5:3: image: empty image reference (used by jobs[0].images[1])",
    ]);
  });

  it("skip: `plan --json` lists the skipped rows with their issues", async () => {
    const dir = await tempDir();
    await writeFiles(dir, files("on_invalid_row: skip\n"));
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
    const json = JSON.parse(JSON.stringify(planJson(plan)).replaceAll(dir, "<dir>"));
    expect(json.skipped[0]).toEqual({
      row: 2,
      at: "<dir>/rows.csv:3",
      issues: ["<dir>/rows.csv:3:3: image: file not found: <dir>/missing.png"],
    });
    expect(json.skipped).toHaveLength(3);
  });

  it("skip still stops on a mistake in the manifest itself", async () => {
    const dir = await tempDir();
    const f = files("on_invalid_row: skip\n");
    await writeFiles(dir, { ...f, "m.yaml": f["m.yaml"].replace("{{name}}", "{{nmae}}") });
    const error = await loadPlan(join(dir, "m.yaml"), { env: {} }).catch((e: Error) => e);
    expect((error as Error).message.replaceAll(dir, "<dir>")).toContain(
      "prompts.p: `{{nmae}}` is not a column of <dir>/rows.csv, did you mean `name`?",
    );
  });
});
