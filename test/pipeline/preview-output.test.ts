import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { previewOutput } from "../../src/pipeline/preview-output.js";
import { writePng } from "../helpers/images.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("previewOutput", () => {
  it("with --retry-failed lists what the run takes: the failed and the submits left in doubt", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml":
        "name: p\nmodel: seedream-v4.5\nimages: { a: ./a.png }\nprompts: { p: 'The {{sku}}' }\nsizes: { s: square_hd }\nrows: [{ sku: A }, { sku: B }, { sku: C }]\njobs: [{ id: '{{sku}}', prompt: p, images: [a] }]\n",
      "a.png": (p) => writePng(p, 40, 30),
    });
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
    const [a, b, c] = plan.jobs;
    if (!a || !b || !c) throw new Error("three jobs expected");
    const out = join(dir, "out");
    await mkdir(join(out, ".state"), { recursive: true });
    // A failed for good; B's submit was cut off by a kill (fal may have it); C was never sent.
    const lines = [
      { t: 1, type: "submitting", key: a.key, job: a.id, source: "fal" },
      {
        t: 2,
        type: "submitted",
        key: a.key,
        job: a.id,
        request: "0190a8f2-0000-7000-8000-00000000000a",
        endpoint: "e",
        source: "fal",
      },
      {
        t: 3,
        type: "failed",
        key: a.key,
        request: "0190a8f2-0000-7000-8000-00000000000a",
        cause: "content policy",
        class: "permanent",
      },
      { t: 4, type: "submitting", key: b.key, job: b.id, source: "fal" },
    ];
    await writeFile(
      join(out, ".state", "journal.jsonl"),
      lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
    );

    const ids = (p: Awaited<ReturnType<typeof previewOutput>>) =>
      Object.fromEntries(Object.entries(p.jobs).map(([kind, jobs]) => [kind, jobs.map((j) => j.id)]));
    expect(ids(await previewOutput(plan, out, "fal"))).toEqual({
      "to-run": ["C-s"],
      "up-to-date": [],
      resume: [],
      failed: ["A-s"],
      "in-doubt": ["B-s"],
    });
    expect(ids(await previewOutput(plan, out, "fal", { retryFailed: true }))).toEqual({
      "to-run": ["A-s", "B-s"],
      "up-to-date": [],
      resume: [],
      failed: [],
      "in-doubt": [],
    });
  });
});
