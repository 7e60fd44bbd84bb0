import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { codeBlocks, commandsOf } from "./markdown.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const README = join(ROOT, "README.md");

describe("the README", () => {
  it("is short: under 300 lines, the reference in docs/", () => {
    expect(readFileSync(README, "utf8").split("\n").length).toBeLessThan(300);
  });

  it("opens with the newcomer's path, within its first screen: install, init, validate, plan, run, review, publish", () => {
    const first = codeBlocks(README).find((b) => b.lang === "sh");
    expect(first?.line).toBeLessThan(20);
    const steps = commandsOf(first ?? { lang: "", line: 0, text: "" }).map((c) =>
      c.split(" ").slice(0, 2).join(" "),
    );
    expect(steps).toEqual([
      "npm ci",
      "npm link",
      "seedream-pipeline init",
      "cd my-catalog",
      "seedream-pipeline validate",
      "seedream-pipeline plan",
      "seedream-pipeline run",
      "seedream-pipeline review",
      "seedream-pipeline publish",
    ]);
  });

  it("and docs/ stand alone: they never point at the developers' shared folder", () => {
    const pages = ["README.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)];
    const mentions = pages.filter((p) =>
      /\.\.\/shared|\/work\/shared/.test(readFileSync(join(ROOT, p), "utf8")),
    );
    expect(mentions).toEqual([]);
  });
});
