import { describe, expect, it } from "vitest";
import { findEndpoint } from "../../src/endpoints/index.js";
import type { ImageRef, Manifest } from "../../src/manifest/index.js";
import { canonicalJson, jobKey, planPipeline } from "../../src/plan/index.js";

const found = findEndpoint("seedream-v4.5");
if (!found) throw new Error("endpoint missing");
const endpoint = found;

const file = (sha256: string, width = 800, height = 600): ImageRef & { kind: "file" } => ({
  kind: "file",
  path: `/abs/${sha256}.png`,
  source: `./${sha256}.png`,
  sha256,
  bytes: 100,
  contentType: "image/png",
  width,
  height,
});

function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    file: "/abs/m.yaml",
    name: "m",
    endpoint,
    defaults: { enable_safety_checker: true },
    images: [
      { name: "studio", refs: [file("aa")] },
      { name: "product", refs: [file("bb"), { kind: "url", url: "https://cdn.example/p.png" }, file("aa")] },
    ],
    prompts: [
      { name: "hero", text: "Hero shot" },
      { name: "life", text: "Lifestyle" },
    ],
    sizes: [
      { name: "square", value: "square_hd" },
      { name: "auto", value: "auto_2K" },
      { name: "wide", value: { width: 2560, height: 1440 } },
    ],
    concurrency: undefined,
    ...overrides,
  };
}

describe("planPipeline", () => {
  it("makes one job per prompt × size, with every image in order", () => {
    const plan = planPipeline(manifest());
    expect(plan.jobs.map((j) => j.id)).toEqual([
      "hero-square",
      "hero-auto",
      "hero-wide",
      "life-square",
      "life-auto",
      "life-wide",
    ]);
    const [first] = plan.jobs;
    expect(first?.input).toEqual({
      enable_safety_checker: true,
      prompt: "Hero shot",
      image_size: "square_hd",
    });
    expect(first?.images.map((r) => (r.kind === "file" ? r.sha256 : r.url))).toEqual([
      "aa",
      "bb",
      "https://cdn.example/p.png",
      "aa",
    ]);
    expect(plan.jobs.map((j) => j.expectedSize)).toEqual([
      { width: 2048, height: 2048 },
      { width: 2368, height: 1776 },
      { width: 2560, height: 1440 },
      { width: 2048, height: 2048 },
      { width: 2368, height: 1776 },
      { width: 2560, height: 1440 },
    ]);
  });

  it("uploads each distinct file once and prices the plan", () => {
    const plan = planPipeline(manifest({ defaults: { num_images: 2, max_images: 3 } }));
    expect(plan.uploads.map((u) => u.sha256)).toEqual(["aa", "bb"]);
    expect(plan.jobs[0]?.expectedImages).toEqual({ min: 2, max: 6 });
    expect(plan.estimatedCostUsd).toEqual({ min: 0.48, max: 1.44 });
  });

  it("keys a job by what decides its image, stable across runs and key order", () => {
    const a = planPipeline(manifest());
    const b = planPipeline(manifest());
    expect(a.jobs.map((j) => j.key)).toEqual(b.jobs.map((j) => j.key));
    expect(new Set(a.jobs.map((j) => j.key)).size).toBe(6);
    expect(a.jobs[0]?.key).toBe(
      jobKey(
        endpoint.id,
        { image_size: "square_hd", prompt: "Hero shot", enable_safety_checker: true },
        a.jobs[0]?.images ?? [],
      ),
    );
    // A changed image content changes the key; a changed file path with the same bytes does not.
    const changed = planPipeline(manifest({ images: [{ name: "studio", refs: [file("cc")] }] }));
    const moved = planPipeline(
      manifest({
        images: [
          { name: "studio", refs: [{ ...file("aa"), path: "/elsewhere/x.png" }] },
          {
            name: "product",
            refs: [file("bb"), { kind: "url", url: "https://cdn.example/p.png" }, file("aa")],
          },
        ],
      }),
    );
    expect(changed.jobs[0]?.key).not.toBe(a.jobs[0]?.key);
    expect(moved.jobs[0]?.key).toBe(a.jobs[0]?.key);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
