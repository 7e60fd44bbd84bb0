import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { linksOf } from "./markdown.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("the README and docs/ links", () => {
  it("lead to files of this repository that exist", () => {
    const broken: string[] = [];
    for (const doc of DOCS)
      for (const { target, line } of linksOf(join(ROOT, doc))) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = resolve(dirname(join(ROOT, doc)), decodeURIComponent(target.split("#")[0] ?? ""));
        const inside = !relative(ROOT, path).startsWith("..");
        if (!inside) broken.push(`${doc}:${line}: ${target} leaves the repository`);
        else if (!existsSync(path)) broken.push(`${doc}:${line}: ${target} does not exist`);
      }
    expect(broken).toEqual([]);
  });

  it("are checked at all (the README has links, and docs/ holds the pages it links to)", () => {
    expect(linksOf(join(ROOT, "README.md")).length).toBeGreaterThan(10);
    expect(DOCS).toEqual(
      expect.arrayContaining([
        "docs/benchmarks.md",
        "docs/crash-safety.md",
        "docs/emulator.md",
        "docs/fal.md",
        "docs/manifest.md",
        "docs/running.md",
        "docs/scheduling.md",
      ]),
    );
  });
});
