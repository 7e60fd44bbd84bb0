import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { expandManifest } from "../../src/plan/index.js";
import { readValid, writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const head = "name: w\nmodel: seedream-v4.5\nimages: { a: https://img.example/a.png }\n";

describe("expandManifest: warnings a nightly run needs", () => {
  it("a `when` that matches no row names the values the rows hold", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": `${head}prompts: { p: "Show {{name}}" }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, when: { status: Active } }\n  - { id: "{{sku}}-x", prompt: p, when: { status: [gone, old] } }\n  - { id: "{{sku}}-y", prompt: p, when: { status: activ } }\n`,
      "rows.csv": "sku,name,status\nA1,Shoe,active\nA2,Boot,inactive\nA3,Hat,active\n",
    });
    const m = await readValid(join(dir, "m.yaml"));
    const { drafts, warnings } = expandManifest(m);
    expect(drafts).toEqual([]);
    expect(warnings.map((w) => w.replaceAll(dir, "<dir>"))).toEqual([
      "<dir>/m.yaml:7:39: jobs[0].when: matches none of the 3 rows of <dir>/rows.csv, so this job makes nothing: `status` is Active, values seen: active, inactive (did you mean `active`?)",
      "<dir>/m.yaml:8:41: jobs[1].when: matches none of the 3 rows of <dir>/rows.csv, so this job makes nothing: `status` is gone or old, values seen: active, inactive",
      "<dir>/m.yaml:9:41: jobs[2].when: matches none of the 3 rows of <dir>/rows.csv, so this job makes nothing: `status` is activ, values seen: active, inactive (did you mean `active`?)",
    ]);
  });

  it("a template value that comes out empty is a warning, once per template and column", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": `${head}prompts: { p: "A {{color}} {{name}}" }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\noutput: { path: "{{sku}}-{{color}}-{{n}}.{{ext}}" }\n`,
      "rows.csv": "sku,name,color\nA1,Shoe,\nA2,Boot,red\nA3,Hat,\n",
    });
    const { warnings, drafts } = expandManifest(await readValid(join(dir, "m.yaml")));
    expect(drafts.map((d) => d.input.prompt)).toEqual(["A  Shoe", "A red Boot", "A  Hat"]);
    expect(warnings.map((w) => w.replaceAll(dir, "<dir>"))).toEqual([
      "<dir>/m.yaml:4:15: prompts.p: `{{color}}` is empty in 2 rows (1, 3)",
      "<dir>/m.yaml:8:17: output.path: `{{color}}` is empty in 2 rows (1, 3)",
    ]);
  });

  it("`{{sku | slug}}` makes a SKU with `/` usable in ids and paths", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": `${head}prompts: { p: hi }\nrows:\n  - { sku: "AB/12 Red" }\njobs:\n  - { id: "{{sku | slug}}", prompt: p }\noutput:\n  path: "{{sku | slug}}/{{job}}-{{n}}.{{ext}}"\n`,
    });
    const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
    expect(plan.jobs.map((j) => j.id)).toEqual(["ab-12-red-auto_2K"]);
    expect(plan.warnings).toEqual([]);
  });
});

describe("planPipeline: an empty plan says why", () => {
  it("--only that matches nothing, and a manifest that makes nothing", async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      "m.yaml": `${head}prompts: { p: hi }\nsizes: { sq: square, wide: landscape_16_9 }\n`,
      "n.yaml": `${head}prompts: { p: hi }\nrows: [{ s: x }]\njobs:\n  - { id: "{{s}}", prompt: p, when: { s: y } }\n`,
    });
    const only = await loadPlan(join(dir, "m.yaml"), { env: {}, only: "hero-*" });
    expect(only.plan.warnings).toEqual([
      "--only `hero-*` matches none of the 2 jobs (ids such as p-sq, p-wide)",
    ]);
    const none = await loadPlan(join(dir, "n.yaml"), { env: {} });
    expect(none.plan.warnings.map((w) => w.replaceAll(dir, "<dir>"))).toEqual([
      "<dir>/n.yaml:7:37: jobs[0].when: matches none of the 1 row, so this job makes nothing: `s` is y, values seen: x",
      "<dir>/n.yaml: the manifest makes no jobs: nothing will be sent",
    ]);
  });
});
