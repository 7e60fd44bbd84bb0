import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outputFolderOf } from "../../src/cli/output-folder.js";
import { PipelineError } from "../../src/errors.js";
import { writeReviewManifest } from "../helpers/review-run.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

describe("outputFolderOf (what report, prune, review and publish work on)", () => {
  it("takes a folder as it is, and a manifest as its pipeline's folder under the output root", async () => {
    const dir = await tempDir();
    const manifest = await writeReviewManifest(dir, ["A1"]);
    const root = join(dir, "nightly");
    await mkdir(join(root, "shoes"), { recursive: true });
    expect(await outputFolderOf(join(root, "shoes"))).toBe(join(root, "shoes"));
    expect(await outputFolderOf(manifest, { output: root })).toBe(join(root, "shoes"));
  });

  it("names a standalone CSV's folder by --name, as run does", async () => {
    const dir = await tempDir();
    const csv = join(dir, "spring.csv");
    await writeFile(csv, "id,prompt,image_urls\nA1,a red shoe,https://example.com/a.png\n");
    await mkdir(join(dir, "out", "catalog"), { recursive: true });
    expect(
      await outputFolderOf(csv, { output: join(dir, "out"), name: "catalog", model: "seedream-v4.5" }),
    ).toBe(join(dir, "out", "catalog"));
  });

  it("a manifest whose folder is not there, or a path that is neither, is a usage error naming it", async () => {
    const dir = await tempDir();
    const manifest = await writeReviewManifest(dir, ["A1"]);
    const notRun = outputFolderOf(manifest, { output: join(dir, "output") });
    await expect(notRun).rejects.toThrow(PipelineError);
    await expect(notRun).rejects.toThrow(
      `${manifest}: its output folder ${join(dir, "output", "shoes")} does not exist: run it first, or give the -o it ran with`,
    );
    await expect(outputFolderOf(join(dir, "nope.yaml"))).rejects.toThrow(
      `${join(dir, "nope.yaml")}: no such output folder or manifest`,
    );
  });
});
