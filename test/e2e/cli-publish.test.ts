import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { DecisionStore } from "../../src/review/decision-store.js";
import { writePng } from "../helpers/images.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { type LocalS3, S3_ENV, startLocalS3 } from "../helpers/s3-server.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-publish-5c4b";
const tempDir = useTempDirs();
/** Job ids are `<sku>-<size>`. */
const sku = (id: string) => id.split("-")[0] ?? id;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10 });
});
afterAll(async () => {
  await emulator.close();
});

/** A real run on the emulator: 6 jobs, each image with a thumbnail derivative and a sidecar. */
async function runOutput(): Promise<{ out: string; report: Report }> {
  const dir = await tempDir();
  await writePng(join(dir, "product.png"), 400, 300, "#2255aa");
  await writeFile(
    join(dir, "m.yaml"),
    `name: shop
model: seedream-v4.5
images: { product: ./product.png }
prompts: { hero: "{{name}} on a white sweep, as Figure 1" }
sizes: { square: square_hd }
rows:
${["A1", "B2", "C3", "D4", "E5", "F6"].map((s) => `  - { sku: ${s}, name: Shoe ${s} }`).join("\n")}
jobs: [{ id: "{{sku}}", prompt: hero }]
output:
  derivatives: { thumb: 256 webp }
`,
  );
  const root = join(dir, "out");
  const r = await runCli(["run", join(dir, "m.yaml"), "-o", root, "--fal-base-url", emulator.url], {
    env: { FAL_KEY: KEY },
  });
  expect(r.code, r.stderr).toBe(0);
  const out = join(root, "shop");
  const report = reportSchema.parse(
    JSON.parse(await readFile(join(out, "report.json"), "utf8")),
  ) as unknown as Report;
  return { out, report };
}

async function decide(out: string, report: Report, states: Record<string, "approved" | "rejected">) {
  const store = await DecisionStore.open(out);
  await store.record(
    report.jobs
      .filter((j) => states[sku(j.id)])
      .map((j) => ({
        key: j.key,
        n: 1,
        job: j.id,
        state: states[sku(j.id)] ?? "approved",
        sha256: j.outputs[0]?.sha256 ?? "",
        by: "review" as const,
      })),
  );
}

async function getObject(s3: LocalS3, key: string) {
  const client = new S3Client({
    endpoint: s3.url,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  try {
    const o = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return {
      bytes: Buffer.from(await (o.Body?.transformToByteArray() ?? new Uint8Array())),
      contentType: o.ContentType,
      cacheControl: o.CacheControl,
      sha256: o.Metadata?.sha256,
    };
  } finally {
    client.destroy();
  }
}

const s3Args = (s3: LocalS3, out: string, ...more: string[]) => [
  "publish",
  out,
  "--to",
  `s3://${s3.bucket}/catalog/nightly`,
  "--endpoint",
  s3.url,
  "--force-path-style",
  ...more,
];

describe("publish to a local S3-compatible server, with the real AWS SDK", { timeout: 180_000 }, () => {
  it("sends only the approved images, byte for byte with their types; a second publish sends nothing", async () => {
    const { out, report } = await runOutput();
    await decide(out, report, { A1: "approved", C3: "approved", D4: "rejected" });
    const s3 = await startLocalS3(await tempDir());
    try {
      const dry = await runCli(s3Args(s3, out, "--dry-run"), { env: S3_ENV });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain("would send A1-square-1.png.json (1197 bytes)");
      expect(dry.stdout).toContain("held back (not approved): 3 pending, 1 rejected");
      expect(s3.puts().size).toBe(0);

      const first = await runCli(s3Args(s3, out), { env: S3_ENV });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain("6 files sent");
      const keys = [...s3.puts().keys()].sort();
      expect(keys).toEqual([
        "catalog/nightly/A1-square-1.png",
        "catalog/nightly/A1-square-1.png.json",
        "catalog/nightly/A1-square-1.thumb.webp",
        "catalog/nightly/C3-square-1.png",
        "catalog/nightly/C3-square-1.png.json",
        "catalog/nightly/C3-square-1.thumb.webp",
        "catalog/nightly/publish-manifest.json",
      ]);
      for (const id of ["A1", "C3"]) {
        const job = report.jobs.find((j) => sku(j.id) === id);
        const image = job?.outputs[0];
        const thumb = image?.derivatives?.[0];
        if (!image || !thumb) throw new Error(`no output for ${id}`);
        const got = await getObject(s3, `catalog/nightly/${image.path}`);
        expect(got.bytes.equals(await readFile(join(out, image.path)))).toBe(true);
        expect([got.contentType, got.cacheControl, got.sha256]).toEqual([
          "image/png",
          "public, max-age=86400",
          image.sha256,
        ]);
        const t = await getObject(s3, `catalog/nightly/${thumb.path}`);
        expect([t.contentType, sha(t.bytes)]).toEqual(["image/webp", thumb.sha256]);
        const side = await getObject(s3, `catalog/nightly/${image.path}.json`);
        expect([side.contentType, side.cacheControl]).toEqual(["application/json", "no-cache"]);
      }
      const manifest = JSON.parse(
        (await getObject(s3, "catalog/nightly/publish-manifest.json")).bytes.toString(),
      ) as {
        files: Array<{ key: string; job: string; kind: string }>;
      };
      expect(manifest.files.map((f) => `${f.job}:${f.kind}`)).toEqual([
        "A1-square:image",
        "A1-square:sidecar",
        "A1-square:derivative",
        "C3-square:image",
        "C3-square:sidecar",
        "C3-square:derivative",
      ]);

      const before = s3.requests.length;
      const second = await runCli(s3Args(s3, out), { env: S3_ENV });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain("0 files sent (0.0 MB), 6 already there");
      expect(second.stdout).toContain("manifest publish-manifest.json unchanged");
      // The journal knows every file and the manifest: not even a HEAD.
      expect(s3.requests.slice(before)).toEqual([]);
      expect(Math.max(...s3.puts().values())).toBe(1);
    } finally {
      await s3.close();
    }
  });

  it("a publish killed midway completes on the next one, nothing sent twice", async () => {
    const { out, report } = await runOutput();
    await decide(out, report, Object.fromEntries(report.jobs.map((j) => [sku(j.id), "approved" as const])));
    const s3 = await startLocalS3(await tempDir());
    try {
      // After 4 PUTs, hold every answer: the next PUTs reach the store, the client never hears.
      s3.holdAnswersAfter(4);
      const running = startCli(s3Args(s3, out, "--concurrency", "2"), { env: S3_ENV });
      await until(() => s3.held() >= 2, "2 held answers");
      running.child.kill("SIGKILL");
      const killed = await running.done;
      expect(killed.code).toBe(128);
      expect(s3.puts().size).toBe(6);
      s3.holdAnswersAfter(Number.POSITIVE_INFINITY);

      const again = await runCli(s3Args(s3, out), { env: S3_ENV });
      expect(again.code, again.stderr).toBe(0);
      const puts = s3.puts();
      // Every file of the 6 approved images, and the manifest: each sent exactly once.
      expect(puts.size).toBe(19);
      expect([...puts.values()].every((n) => n === 1)).toBe(true);
      const journals = await readdir(join(out, ".state", "publish"));
      expect(journals.filter((f) => f.endsWith(".jsonl"))).toHaveLength(1);
    } finally {
      await s3.close();
    }
  });

  it("publishes to a folder, and --all takes every successful image without review", async () => {
    const { out, report } = await runOutput();
    const dest = join(await tempDir(), "site");
    const none = await runCli(["publish", out, "--to", dest]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("nothing approved to publish");
    const all = await runCli(["publish", out, "--to", dest, "--all"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("18 files sent");
    for (const job of report.jobs) {
      const path = job.outputs[0]?.path ?? "";
      expect(sha(await readFile(join(dest, path)))).toBe(job.outputs[0]?.sha256);
    }
    const again = await runCli(["publish", out, "--to", dest, "--all"]);
    expect(again.stdout).toContain("0 files sent (0.0 MB), 18 already there");
    const bad = await runCli(["publish", out, "--to", "ftp://example/x"]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      "seedream-pipeline: --to ftp://example/x: expected a folder or s3://bucket/prefix, not ftp://\n",
    ]);
  });
});
