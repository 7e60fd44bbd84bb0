import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../src/manifest/index.js";
import { type LoadPlanOptions, loadPlan } from "../../src/pipeline/load-plan.js";
import { expandManifest, falInput, type Job, type Plan, planPipeline } from "../../src/plan/index.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const env = {};
const planOf = async (path: string, options: LoadPlanOptions = {}): Promise<Plan> =>
  (await loadPlan(path, { env, ...options })).plan;
const urls = (job: Job) =>
  job.images.map((r) => (r.kind === "url" ? r.url : `upload:${r.path.split("/").pop()}`));

describe("planPipeline over the examples", () => {
  it("demo: every prompt × every size, every image in order", async () => {
    const plan = await planOf("pipelines/demo.yaml");
    expect(plan.jobs.map((j) => j.id)).toEqual([
      "hero-square",
      "hero-banner",
      "hero-story",
      "lifestyle-square",
      "lifestyle-banner",
      "lifestyle-story",
    ]);
    expect(plan.uploads.map((u) => u.path.split("/").pop())).toEqual([
      "studio-backdrop.png",
      "product-red-sneaker.png",
      "brand-logo.png",
    ]);
    expect(plan.estimatedCostUsd).toEqual({ min: 0.24, max: 0.24 });
  });

  it("catalog refresh: rows filtered by `when`, ids, output paths, keys pinned", async () => {
    const plan = await planOf("pipelines/catalog-refresh.yaml");
    expect(plan.jobs.map((j) => j.id)).toEqual([
      "SKU-1001-hero-square",
      "SKU-1001-hero-banner",
      "SKU-1002-hero-square",
      "SKU-1002-hero-banner",
      "SKU-1004-hero-square",
      "SKU-1004-hero-banner",
      "SKU-1001-detail-square",
      "SKU-1002-detail-square",
      "SKU-1004-detail-square",
    ]);
    const [first] = plan.jobs;
    if (!first) throw new Error("no job");
    expect(falInput(first, urls(first))).toEqual({
      prompt:
        "Replace the product in Figure 1 with the Runner One in ocean blue shown in Figure 2. Keep the lighting and the shadows of Figure 1.",
      image_size: "square_hd",
      enable_safety_checker: true,
      image_urls: ["upload:studio-backdrop.png", "upload:SKU-1001.png"],
    });
    expect(first.row).toMatchObject({ sku: "SKU-1001", status: "active" });
    expect(plan.jobs[3]?.input.image_size).toEqual({ width: 2560, height: 1440 });
    // Keys hash the endpoint, the canonical input and the input files' bytes: the same on any machine.
    expect(plan.jobs.slice(0, 2).map((j) => j.key)).toMatchInlineSnapshot(`
      [
        "a51ef186332479553ad3b77ea154b5d12aebe98ea7168587746aff2cdba9ebf7",
        "bbf67d92d81259020ace8e268ed78dd751aed7aca943d6fec812241c3fe67cd9",
      ]
    `);
    expect(plan.uploads).toHaveLength(4);
  });

  it("marketing campaign: both models, inline rows, max_images ranges and prices", async () => {
    const plan = await planOf("pipelines/marketing-campaign.yaml");
    expect(plan.jobs).toHaveLength(18);
    const v5 = plan.jobs.filter((j) => j.endpoint.model === "seedream-v5-lite");
    expect(v5.map((j) => j.id)).toEqual([
      "us-poster-v5-feed",
      "us-poster-v5-story",
      "de-poster-v5-feed",
      "de-poster-v5-story",
      "fr-poster-v5-feed",
      "fr-poster-v5-story",
    ]);
    expect(v5[0]?.input).toEqual({
      prompt:
        'Place the sneaker from Figure 2 in the studio of Figure 1 and put the logo from Figure 3 at the top. Add the headline "Run the city" in a clean sans-serif, with clear contrast but not overly eye-catching.',
      image_size: "square_hd",
      max_images: 2,
    });
    expect(v5[0]?.expectedImages).toEqual({ min: 1, max: 2 });
    expect(plan.estimatedCostUsd).toEqual({ min: 0.69, max: 0.9 });
  });

  it("standalone CSV: one job per row, typed cells, per-row model", async () => {
    const plan = await planOf("pipelines/standalone.csv");
    expect(plan.name).toBe("standalone");
    expect(plan.jobs.map((j) => [j.id, j.endpoint.model, j.input])).toEqual([
      [
        "red-studio",
        "seedream-v4.5",
        expect.objectContaining({ image_size: "square_hd", num_images: 1, seed: 7 }),
      ],
      [
        "red-banner",
        "seedream-v4.5",
        expect.objectContaining({ image_size: { width: 2560, height: 1440 }, num_images: 1 }),
      ],
      [
        "blue-story",
        "seedream-v5-lite",
        expect.objectContaining({ image_size: "portrait_16_9", num_images: 2 }),
      ],
    ]);
  });
});

describe("the API pages' examples", () => {
  const prompt45 =
    "Replace the product in Figure 1 with that in Figure 2. For the title copy the text in Figure 3 to the top of the screen, the title should have a clear contrast with the background but not be overly eye-catching.";
  const urls45 = [1, 2, 3].map(
    (i) =>
      `https://storage.googleapis.com/falserverless/example_inputs/seedreamv45/seedream_v45_edit_input_${i}.png`,
  );
  const prompt5 =
    "Replace the product in Figure 1 with that in Figure 2. Seamlessly render logo in Figure 3 into the product design, in frosted glass texture. Remove any extra text in Figure 1, and design a catchy tagline for the perfume.";
  const urls5 = [
    "https://v3b.fal.media/files/b/0a8f9936/KOsb_qPB_W0ZJ0Ee2OsnU_586e2892841d46f09049ee7199b303d3.png",
    "https://v3b.fal.media/files/b/0a8f994e/JroWTogO6jOTFk9b6B3XM_591ca38cef2f44bbba2843cbf80fb1b2.png",
    "https://v3b.fal.media/files/b/0a8f9960/Q6pzwXAiFaFPOpSScoE-D_0eca5db19e5242739f127efe49b38922.png",
  ];

  it("come out exactly as the pages show them, key order included", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "v45.yaml": `name: api-v45
model: seedream-v4.5
defaults: { num_images: 1, max_images: 1 }
images:
  figures: [${urls45.join(", ")}]
prompts:
  edit: "${prompt45}"
sizes:
  auto: auto_4K
`,
      "v5.csv": `prompt,image_urls,image_size,num_images,max_images,enable_safety_checker\n"${prompt5}",${urls5.join("|")},auto_2K,1,1,true\n`,
    });
    const [v45] = (await planOf(join(dir, "v45.yaml"))).jobs;
    const [v5] = (await planOf(join(dir, "v5.csv"), { model: "seedream-v5-lite" })).jobs;
    if (!v45 || !v5) throw new Error("no jobs");
    expect(JSON.stringify(falInput(v45, urls(v45)))).toBe(
      JSON.stringify({
        prompt: prompt45,
        image_size: "auto_4K",
        num_images: 1,
        max_images: 1,
        image_urls: urls45,
      }),
    );
    expect(JSON.stringify(falInput(v5, urls(v5)))).toBe(
      JSON.stringify({
        prompt: prompt5,
        image_size: "auto_2K",
        num_images: 1,
        max_images: 1,
        enable_safety_checker: true,
        image_urls: urls5,
      }),
    );
  });
});

describe("selection and keys", () => {
  it("--only and --limit select jobs; the total is still counted", async () => {
    const detail = await planOf("pipelines/catalog-refresh.yaml", { only: "SKU-100?-detail-*" });
    expect(detail.jobs.map((j) => j.id)).toEqual([
      "SKU-1001-detail-square",
      "SKU-1002-detail-square",
      "SKU-1004-detail-square",
    ]);
    const hero = await planOf("pipelines/catalog-refresh.yaml", { only: "*-hero-*", limit: 3 });
    expect(hero.jobs.map((j) => j.id)).toEqual([
      "SKU-1001-hero-square",
      "SKU-1001-hero-banner",
      "SKU-1002-hero-square",
    ]);
    expect(hero.totalJobs).toBe(9);
  });

  it("plans from what it is given, touching no file: the same input gives the same plan", async () => {
    const read = await readManifest("pipelines/catalog-refresh.yaml", { env });
    if (!read.ok) throw new Error("the example does not read");
    const { drafts } = expandManifest(read.manifest);
    const images = new Map(
      drafts
        .flatMap((d) => d.imageKeys)
        .map((key) => [
          key,
          {
            kind: "file" as const,
            path: key,
            source: key,
            sha256: "0".repeat(64),
            bytes: 1,
            contentType: "image/png",
            width: 100,
            height: 50,
          },
        ]),
    );
    const a = planPipeline({ manifest: read.manifest, drafts, images });
    const b = planPipeline({ manifest: read.manifest, drafts, images });
    expect(a.jobs.map((j) => j.key)).toEqual(b.jobs.map((j) => j.key));
    expect(a.uploads).toEqual([
      {
        sha256: "0".repeat(64),
        path: expect.stringMatching(/studio-backdrop\.png$/),
        contentType: "image/png",
        bytes: 1,
      },
    ]);
    expect(() => planPipeline({ manifest: read.manifest, drafts, images: new Map() })).toThrow(
      /was not resolved before planning/,
    );
  });

  it("a changed row changes only that row's keys", async () => {
    const dir = await tempDir();
    const yaml = (name: string) => `name: k
model: seedream-v5-lite
images: { a: https://x.example/a.png }
prompts: { p: "Show {{name}}" }
rows:
  - { id: one, name: Alpha }
  - { id: two, name: ${name} }
jobs: [{ id: "{{id}}", prompt: p }]
`;
    await writeFiles(dir, { "a.yaml": yaml("Beta"), "b.yaml": yaml("Gamma") });
    const a = (await planOf(join(dir, "a.yaml"))).jobs.map((j) => j.key);
    const b = (await planOf(join(dir, "b.yaml"))).jobs.map((j) => j.key);
    expect(a[0]).toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
  });
});
