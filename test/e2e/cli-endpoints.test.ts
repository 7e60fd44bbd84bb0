import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-endpoints-test";
const tempDir = useTempDirs();
const emulators = useEmulators();
const OLD_V5 = "fal-ai/bytedance/seedream/v5/lite/edit";
const NEW_V5 = "bytedance/seedream/v5/lite/edit";

const submits = (em: Emulator) => em.requests.filter((r) => r.op === "submit" && r.status === 200);

/** A manifest of two jobs for `model` in a new folder, and a CLI call with its arguments. */
async function setUp(model: string, more = "") {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 400, 300, "#8899aa");
  const write = (m: string, extra = more) =>
    writeFile(
      join(dir, "m.yaml"),
      `name: shop\nmodel: ${m}\nimages: { a: ./in.png }\nprompts: { p: "Edit Figure 1" }\n${extra}`,
    );
  await write(model);
  const out = join(dir, "out");
  const cli = (...args: string[]) => runCli(args, { env: { FAL_KEY: KEY } });
  return { dir, out, write, cli, manifest: join(dir, "m.yaml") };
}

/** A v5 lite OpenAPI document as fal might serve it: the shipped one, changed by `edit`. */
async function v5Document(edit: (input: Record<string, { anyOf?: { enum?: string[] }[] }>) => void) {
  const item = JSON.parse(await readFile("src/endpoints/snapshots/seedream-v5-lite-edit.json", "utf8"));
  edit(item.openapi.components.schemas.BytedanceSeedreamV5LiteEditInput.properties);
  return item.openapi as unknown;
}

describe("endpoints and their schemas from fal's Model Search API (#23)", () => {
  it("a rename never regenerates a catalog: a folder made under the old v5 lite id, run with the new one, sends 0 submits", async () => {
    const em = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 10 });
    const { out, write, cli, manifest } = await setUp(OLD_V5, "sizes: { s: square, w: landscape_16_9 }\n");
    const first = await cli("run", manifest, "-o", out, "--fal-base-url", em.url);
    expect(first.code).toBe(0);
    expect(submits(em)).toHaveLength(2);
    // Sent to fal's current id, whatever id the manifest names.
    expect(submits(em).map((r) => r.path)).toEqual([`/${NEW_V5}`, `/${NEW_V5}`]);

    for (const name of [NEW_V5, "seedream-v5-lite"]) {
      await write(name);
      const again = await cli("run", manifest, "-o", out, "--fal-base-url", em.url);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("2 jobs: 0 succeeded, 2 up to date, 0 failed");
    }
    expect(submits(em)).toHaveLength(2);
    // The emulator answers the Model Search API under both ids, as fal documents renamed endpoints.
    expect(em.requests.filter((r) => r.op === "models").length).toBeGreaterThan(0);
  });

  it("auto_4K on v5 lite is valid when fal's schema says so, and a located error when it does not", async () => {
    const { cli, manifest } = await setUp("seedream-v5-lite", "sizes: { big: auto_4K }\n");
    const current = await emulators.start({ apiKeys: [KEY] });
    const ok = await cli("validate", manifest, "--fal-base-url", current.url);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`schema: seedream-v5-lite (${NEW_V5}) from fal's Model Search API\n`);

    const openapi = await v5Document((p) => {
      const variant = p.image_size?.anyOf?.[1];
      if (variant?.enum) variant.enum = variant.enum.filter((v) => v !== "auto_4K");
    });
    const older = await emulators.start({ apiKeys: [KEY], models: [{ endpointId: NEW_V5, openapi }] });
    const refused = await cli("validate", manifest, "--fal-base-url", older.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /m\.yaml:5:15: sizes\.big: `auto_4K` is a seedream-v4\.5 size; seedream-v5-lite has no `auto_4K`/,
    );
  });

  it("a seed on an endpoint whose schema has none is a located error before any spend", async () => {
    const em = await emulators.start({ apiKeys: [KEY] });
    const { out, cli, manifest } = await setUp("seedream-v5-lite", "defaults: { seed: 7 }\n");
    const r = await cli("run", manifest, "-o", out, "--fal-base-url", em.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/m\.yaml:5:\d+: defaults\.seed: `seed` is not an input of seedream-v5-lite/);
    expect(submits(em)).toHaveLength(0);
  });

  it("a deprecated endpoint warns, and still runs", async () => {
    const item = JSON.parse(await readFile("src/endpoints/snapshots/seedream-v45-edit.json", "utf8"));
    const em = await emulators.start({
      apiKeys: [KEY],
      models: [{ endpointId: item.endpoint_id, openapi: item.openapi, status: "deprecated" }],
    });
    const { cli, manifest } = await setUp("seedream-v4.5");
    const r = await cli("validate", manifest, "--fal-base-url", em.url);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "warning: seedream-v4.5 (fal-ai/bytedance/seedream/v4.5/edit) is deprecated at fal: it still runs",
    );
    expect(r.stdout).toContain("; deprecated at fal\n");
  });

  it("any fal image-edit endpoint named by its id runs: validated against its schema, priced by fal, sizes mapped onto its aspect ratio", async () => {
    const openapi = {
      openapi: "3.0.4",
      paths: {
        "/acme/image-edit": {
          post: {
            requestBody: {
              content: { "application/json": { schema: { $ref: "#/components/schemas/EditInput" } } },
            },
          },
        },
      },
      components: {
        schemas: {
          EditInput: {
            type: "object",
            required: ["prompt", "image_url"],
            properties: {
              prompt: { type: "string" },
              image_url: { type: "string" },
              aspect_ratio: { type: "string", enum: ["1:1", "16:9", "9:16"], default: "1:1" },
              num_images: { type: "integer", minimum: 1, maximum: 4, default: 1 },
            },
          },
        },
      },
    };
    const em = await emulators.start({
      apiKeys: [KEY],
      render: "fast",
      inferenceMs: 10,
      models: [{ endpointId: "acme/image-edit", openapi }],
      prices: { "acme/image-edit": 0.02 },
    });
    const { out, cli, manifest, write } = await setUp(
      "acme/image-edit",
      "sizes: { wide: 1920x1080, square: '1:1' }\n",
    );
    const r = await cli("run", manifest, "-o", out, "--fal-base-url", em.url);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, "shop", "report.json"), "utf8"));
    expect(report.run.prices).toEqual([
      expect.objectContaining({ endpoint: "acme/image-edit", unit_price_usd: 0.02, source: "fal" }),
    ]);
    expect(
      report.jobs.map((j: { input: { aspect_ratio?: string }; status: string }) => [
        j.input.aspect_ratio,
        j.status,
      ]),
    ).toEqual([
      ["16:9", "succeeded"],
      ["1:1", "succeeded"],
    ]);
    expect(submits(em).map((s) => s.path)).toEqual(["/acme/image-edit", "/acme/image-edit"]);

    // A size its aspect ratios cannot carry, and an input its schema lacks: located, nothing sent.
    await write("acme/image-edit", "sizes: { odd: 1000x3000 }\ndefaults: { seed: 1 }\n");
    const bad = await cli("run", manifest, "-o", out, "--fal-base-url", em.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("1000x3000 has none of acme/image-edit's aspect ratios (1:1, 16:9, 9:16)");
    expect(bad.stderr).toContain("`seed` is not an input of acme/image-edit");
    expect(submits(em)).toHaveLength(2);
  });
});
