import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { chmod, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers/temp-dir.js";
import { codeBlocks, commandsOf } from "./markdown.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "seedream-pipeline.js");
const run = promisify(execFile);
const tempDir = useTempDirs();

/** Commands of the README and docs/ this test does not run, each with the reason and where it is covered instead. */
const NOT_RUN: Readonly<Record<string, string>> = {
  "npm ci && npm start":
    "installs the clone; what `npm start` runs (`seedream-pipeline run pipelines/demo.yaml --emulator`) is run from docs/running.md",
  "npm test": "this test is part of npm test",
  "npm run test:unit": "the unit project, which npm test runs as one of its three",
  "npm ci": "the clone's own install, which every test run follows",
  "npm link":
    "links for the whole machine; the same bin/ is what every e2e test runs, and a PATH shim stands for it here",
  "npm pack": "test/e2e/install-anywhere.test.ts packs the project",
  "npm install -g ./seedream-pipeline-0.1.0.tgz":
    "installs for the whole machine; test/e2e/install-anywhere.test.ts installs the packed tarball into a temporary prefix",
  "export FAL_KEY=...": "a placeholder for the user's own key",
  "seedream-pipeline run catalog.yaml": "reaches fal itself: needs a real key, and pays",
  "seedream-pipeline run pipelines/demo.yaml": "reaches fal itself: needs a real key, and pays",
  "seedream-pipeline run pipelines/demo.yaml --fal-base-url http://127.0.0.1:8787":
    "needs a server on port 8787; --fal-base-url against an emulator on a free port is run by the e2e tests",
  "seedream-pipeline review output/catalog":
    "serves until stopped; test/e2e/review.browser.test.ts drives the review app in Chromium",
  "seedream-pipeline review catalog.yaml --open":
    "serves until stopped and opens a browser; test/e2e/review.browser.test.ts drives the review app in Chromium",
  "seedream-pipeline publish output/catalog-refresh --to s3://shop-images/catalog --dry-run":
    "needs the user's bucket and credentials; test/e2e/cli-publish.test.ts publishes to a local S3-compatible server",
  "seedream-pipeline publish output/catalog-refresh --to s3://shop-images/catalog":
    "needs the user's bucket and credentials; test/e2e/cli-publish.test.ts publishes to a local S3-compatible server",
  "seedream-pipeline publish output/catalog-refresh --to s3://shop-images/catalog --profile shop":
    "needs the user's AWS profile and bucket; test/e2e/cli-publish.test.ts publishes to a local S3-compatible server",
  "seedream-pipeline publish output/catalog-refresh --to s3://shop-images/catalog --endpoint https://<account>.r2.cloudflarestorage.com --region auto":
    "needs the user's bucket and credentials; test/e2e/cli-publish.test.ts publishes to a local S3-compatible server",
  "seedream-pipeline run catalog.yaml --no-render":
    "reaches fal itself: needs a real key, and pays; test/e2e/cli-render.test.ts runs --no-render against the emulator",
  "seedream-pipeline render output/catalog --shard 1/4":
    "renders the folder of the run above (which reaches fal); test/e2e/cli-render.test.ts renders an emulator run's folder in shards",
  "seedream-pipeline render output/catalog --shard 2/4":
    "renders the folder of the run above (which reaches fal); test/e2e/cli-render.test.ts renders an emulator run's folder in shards",
  "seedream-pipeline emulator --port 8787 --concurrency 4 --inference-ms 5000-60000 --time-scale 0.01":
    "serves until stopped; test/e2e/cli-emulator.test.ts starts it, drives it and stops it with SIGTERM",
};

/** Where each page's whole manifest is validated: the folder holding the files it names. */
const MANIFEST_FOLDER: Readonly<Record<string, string>> = {
  "README.md": "my-catalog",
  "docs/manifest.md": "pipelines",
};

/** The README, then every page of docs/, in name order: the order a reader meets them. */
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

const shellBlocks = () =>
  DOCS.flatMap((doc) =>
    codeBlocks(join(ROOT, doc))
      .filter((b) => ["sh", "bash", "shell"].includes(b.lang))
      .map((b) => ({ ...b, where: `${doc}:${b.line}` })),
  );

describe("every shell command in the README and docs/", () => {
  it("is run below, or allowlisted with a reason; the allowlist names only commands the README has", () => {
    const all = shellBlocks().flatMap(commandsOf);
    expect(all.length).toBeGreaterThan(10);
    // A command the pages no longer have leaves the list, so it cannot rot.
    expect(Object.keys(NOT_RUN).filter((c) => !all.includes(c))).toEqual([]);
  });

  it("runs, block by block, from a copy of the clone's pipelines, and exits 0", async () => {
    const clone = join(await tempDir(), "clone");
    await cp(join(ROOT, "pipelines"), join(clone, "pipelines"), { recursive: true });
    // `seedream-pipeline` on the PATH, as after `npm install -g` or `npm link`.
    const shims = join(clone, "..", "bin");
    await mkdir(shims);
    await writeFile(
      join(shims, "seedream-pipeline"),
      `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
    );
    await chmod(join(shims, "seedream-pipeline"), 0o755);
    const ran: string[] = [];
    // A page is read in one terminal: a `cd` in one block holds for the next blocks of that page.
    const cwdOf = new Map<string, string>();
    const here = join(clone, "..", "cwd");
    for (const block of shellBlocks()) {
      const commands = commandsOf(block).filter((c) => !(c in NOT_RUN));
      if (commands.length === 0) continue;
      const page = block.where.split(":")[0] as string;
      const script = `set -e\n${commands.join("\n")}\npwd > "${here}"\n`;
      const result = await run("sh", ["-c", script], {
        cwd: cwdOf.get(page) ?? clone,
        env: { PATH: `${shims}:${process.env.PATH ?? ""}`, HOME: clone },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { code?: number; stderr?: string }) => {
        throw new Error(
          `${block.where}: exit ${error.code} (a command that cannot run here belongs in NOT_RUN, with why)\n${script}\n${error.stderr ?? ""}`,
        );
      });
      expect(result.stderr, block.where).not.toMatch(/seedream-pipeline: /);
      cwdOf.set(page, (await readFile(here, "utf8")).trim());
      ran.push(...commands);
    }
    expect(ran).toEqual(
      expect.arrayContaining([
        "seedream-pipeline init my-catalog",
        "seedream-pipeline run catalog.yaml --emulator",
        "seedream-pipeline run pipelines/demo.yaml --emulator",
      ]),
    );
    // What the commands said they did, they did: the newcomer's path, then the demo.
    const catalog = JSON.parse(
      await readFile(join(clone, "my-catalog", "output", "catalog", "report.json"), "utf8"),
    );
    expect(catalog.totals).toMatchObject({ jobs: 6, succeeded: 6 });
    const demo = JSON.parse(await readFile(join(clone, "output", "demo", "report.json"), "utf8"));
    expect(demo.totals).toMatchObject({ jobs: 6, succeeded: 6 });
    // Every whole manifest the pages show (a top-level name: and model:) is one that works,
    // beside the files it names: the README's beside what init wrote, the reference beside the
    // clone's pipelines. Fragments (a rows: or output: block alone) are not checked.
    const manifests = DOCS.flatMap((doc) =>
      codeBlocks(join(ROOT, doc))
        .filter((b) => b.lang === "yaml" && /^name: /m.test(b.text) && /^model: /m.test(b.text))
        .map((b, i) => ({ doc, text: b.text, file: `${doc.replace(/\W+/g, "-")}-${i}.yaml` })),
    );
    expect(manifests.map((m) => m.doc)).toEqual(["README.md", "docs/manifest.md"]);
    for (const m of manifests) {
      const folder = join(clone, MANIFEST_FOLDER[m.doc] ?? "");
      await writeFile(join(folder, m.file), m.text);
      const valid = await run("sh", ["-c", `seedream-pipeline validate ${m.file}`], {
        cwd: folder,
        env: { PATH: `${shims}:${process.env.PATH ?? ""}`, HOME: clone },
      }).catch((error: { stderr?: string }) => {
        throw new Error(`${m.doc}: its manifest does not validate\n${error.stderr ?? ""}`);
      });
      expect(valid.stdout, m.doc).toMatch(new RegExp(`^${m.file}: valid, \\d+ jobs`));
    }
  }, 180_000);
});
