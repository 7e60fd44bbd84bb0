import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
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
/** The one run every test publishes from (each a copy of it: publishing writes state in the folder). */
let made: { out: string; report: Report };
let madeIn: string | undefined;
beforeAll(async () => {
  madeIn = await mkdtemp(join(tmpdir(), "seedream-test-"));
  const emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10 });
  try {
    made = await runOnEmulator(emulator, madeIn);
  } finally {
    await emulator.close();
  }
}, 120_000);
afterAll(async () => {
  if (madeIn) await rm(madeIn, { recursive: true, force: true });
});

/** A real run on the emulator: 6 jobs, each image with a thumbnail derivative and a sidecar. */
async function runOnEmulator(emulator: Emulator, dir: string): Promise<{ out: string; report: Report }> {
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

/**
 * A fresh copy of that run's output folder: what publish reads (images, sidecars, derivatives,
 * report, journal) byte for byte, and no publish state or review decision of another test.
 */
async function runOutput(): Promise<{ out: string; report: Report }> {
  const out = join(await tempDir(), "shop");
  await cp(made.out, out, { recursive: true });
  return { out, report: made.report };
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

const testClient = (s3: LocalS3) =>
  new S3Client({
    endpoint: s3.url,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });

async function deleteObject(s3: LocalS3, key: string) {
  const client = testClient(s3);
  try {
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
  } finally {
    client.destroy();
  }
}

async function getObject(s3: LocalS3, key: string) {
  const client = testClient(s3);
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
  "--allow-emulated",
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
    const none = await runCli(["publish", out, "--to", dest, "--allow-emulated"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("nothing approved to publish");
    const all = await runCli(["publish", out, "--to", dest, "--all", "--allow-emulated"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("18 files sent");
    for (const job of report.jobs) {
      const path = job.outputs[0]?.path ?? "";
      expect(sha(await readFile(join(dest, path)))).toBe(job.outputs[0]?.sha256);
    }
    const again = await runCli(["publish", out, "--to", dest, "--all", "--allow-emulated"]);
    expect(again.stdout).toContain("0 files sent (0.0 MB), 18 already there");
    const bad = await runCli(["publish", out, "--to", "ftp://example/x"]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      "seedream-pipeline: --to ftp://example/x: expected a folder or s3://bucket/prefix, not ftp://\n",
    ]);
  });
});

/** Every image of the output approved. */
const approveAll = (out: string, report: Report) =>
  decide(out, report, Object.fromEntries(report.jobs.map((j) => [sku(j.id), "approved" as const])));

const imagePath = (report: Report, id: string) =>
  report.jobs.find((j) => sku(j.id) === id)?.outputs[0]?.path ?? "";

describe("publish: checking the destination, stale files, and what is refused", { timeout: 180_000 }, () => {
  it("--check restores an object deleted at the destination, with one HEAD a file when nothing changed", async () => {
    const { out, report } = await runOutput();
    await approveAll(out, report);
    const s3 = await startLocalS3(await tempDir());
    try {
      expect((await runCli(s3Args(s3, out), { env: S3_ENV })).code).toBe(0);
      const lost = `catalog/nightly/${imagePath(report, "B2")}`;
      await deleteObject(s3, lost);

      // Without --check the journal is trusted: nothing is asked, nothing sent.
      const trusting = await runCli(s3Args(s3, out), { env: S3_ENV });
      expect(trusting.stdout).toContain("0 files sent (0.0 MB), 18 already there, 0 failed;");

      const dry = await runCli(s3Args(s3, out, "--check", "--dry-run"), { env: S3_ENV });
      expect(dry.stdout).toContain(
        `would send ${imagePath(report, "B2")} (${report.jobs[1]?.outputs[0]?.bytes} bytes, missing there)\n`,
      );
      expect(dry.stdout).toContain("1 file would be sent, 1 missing or different there, 17 already there");
      expect(s3.puts().get(lost)).toBe(1);

      const before = s3.requests.length;
      const checked = await runCli(s3Args(s3, out, "--check"), { env: S3_ENV });
      const afterCheck = s3.requests.length;
      expect(checked.code, checked.stderr).toBe(0);
      expect(checked.stdout).toContain(`restored ${imagePath(report, "B2")} (missing there)\n`);
      expect(checked.stdout).toContain(
        "1 file sent (0.1 MB), 1 missing or different there, 17 already there (checked at the destination), 0 failed; manifest publish-manifest.json unchanged",
      );
      const during = s3.requests.slice(before, afterCheck);
      expect(during.filter((r) => r.method === "PUT").map((r) => r.key)).toEqual([lost]);
      expect(during.filter((r) => r.method === "HEAD")).toHaveLength(19);
      const restored = await getObject(s3, lost);
      expect(restored.bytes.equals(await readFile(join(out, imagePath(report, "B2"))))).toBe(true);

      const again = s3.requests.length;
      const clean = await runCli(s3Args(s3, out, "--check"), { env: S3_ENV });
      expect(clean.stdout).toContain("0 files sent (0.0 MB), 18 already there (checked at the destination)");
      expect(s3.requests.slice(again).map((r) => r.method)).toEqual(Array(19).fill("HEAD"));
    } finally {
      await s3.close();
    }
  });

  it("--check on a folder re-sends a deleted file and one changed there", async () => {
    const { out, report } = await runOutput();
    const dest = join(await tempDir(), "site");
    const args = ["publish", out, "--to", dest, "--all", "--allow-emulated"];
    expect((await runCli(args)).code).toBe(0);
    const gone = imagePath(report, "A1");
    const thumb = report.jobs.find((j) => sku(j.id) === "C3")?.outputs[0]?.derivatives?.[0]?.path ?? "";
    await rm(join(dest, gone));
    await writeFile(join(dest, thumb), "not the thumbnail");
    const checked = await runCli([...args, "--check"]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`restored ${gone} (missing there)\n`);
    expect(checked.stdout).toContain(`restored ${thumb} (different there)\n`);
    expect(checked.stdout).toContain("2 files sent");
    expect((await readFile(join(dest, gone))).equals(await readFile(join(out, gone)))).toBe(true);
    expect((await readFile(join(dest, thumb))).equals(await readFile(join(out, thumb)))).toBe(true);
  });

  it("lists files whose approval lapsed as stale, removes them with --delete-stale; --no-sidecars and --json", async () => {
    const { out, report } = await runOutput();
    await decide(out, report, { A1: "approved", C3: "approved" });
    const s3 = await startLocalS3(await tempDir());
    try {
      const first = await runCli(s3Args(s3, out, "--no-sidecars", "--json"), { env: S3_ENV });
      expect(first.code, first.stderr).toBe(0);
      const json = JSON.parse(first.stdout) as {
        sent: number;
        files: Array<{ key: string; outcome: string }>;
        held: Array<{ job: string; state: string }>;
        stale: string[];
      };
      expect([json.sent, json.held.length, json.stale]).toEqual([4, 4, []]);
      expect(json.files.map((f) => `${f.key} ${f.outcome}`).sort()).toEqual([
        "A1-square-1.png sent",
        "A1-square-1.thumb.webp sent",
        "C3-square-1.png sent",
        "C3-square-1.thumb.webp sent",
      ]);
      expect([...s3.puts().keys()].filter((k) => k.endsWith(".png.json"))).toEqual([]);

      await decide(out, report, { C3: "rejected" });
      const stale = await runCli(s3Args(s3, out, "--no-sidecars"), { env: S3_ENV });
      expect(stale.stdout).toContain(
        "stale: 2 files published there earlier are no longer chosen (approval lapsed, rejected, or gone): C3-square-1.png, C3-square-1.thumb.webp; --delete-stale removes them\n",
      );
      const dry = await runCli(s3Args(s3, out, "--no-sidecars", "--delete-stale", "--dry-run"), {
        env: S3_ENV,
      });
      expect(dry.stdout).toContain("would delete 2 stale files: C3-square-1.png, C3-square-1.thumb.webp\n");
      expect(s3.requests.filter((r) => r.method === "DELETE")).toEqual([]);

      const removed = await runCli(s3Args(s3, out, "--no-sidecars", "--delete-stale"), { env: S3_ENV });
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toContain("deleted 2 stale files: C3-square-1.png, C3-square-1.thumb.webp\n");
      expect(s3.requests.filter((r) => r.method === "DELETE").map((r) => r.key)).toEqual([
        "catalog/nightly/C3-square-1.png",
        "catalog/nightly/C3-square-1.thumb.webp",
      ]);
      await expect(getObject(s3, "catalog/nightly/C3-square-1.png")).rejects.toThrow();
      const manifest = JSON.parse(
        (await getObject(s3, "catalog/nightly/publish-manifest.json")).bytes.toString(),
      ) as { files: Array<{ key: string }> };
      expect(manifest.files.map((f) => f.key)).toEqual(["A1-square-1.png", "A1-square-1.thumb.webp"]);
      const after = await runCli(s3Args(s3, out, "--no-sidecars"), { env: S3_ENV });
      expect(after.stdout).not.toContain("stale");
    } finally {
      await s3.close();
    }
  });

  it("refuses images the emulator made unless --allow-emulated, before asking the destination anything", async () => {
    const { out, report } = await runOutput();
    await approveAll(out, report);
    const s3 = await startLocalS3(await tempDir());
    try {
      const args = s3Args(s3, out).filter((a) => a !== "--allow-emulated");
      const refused = await runCli(args, { env: S3_ENV });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `seedream-pipeline: publish: 6 images to publish were made by ${report.run.fal_target}, not fal (an emulator or a test server): run against fal first, or pass --allow-emulated to publish them anyway\n`,
      );
      expect(report.run.fal_target).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      expect(s3.requests).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it("a missing region fails once before any upload; --endpoint alone uses us-east-1; --profile reads the shared files", async () => {
    const { out, report } = await runOutput();
    await approveAll(out, report);
    const home = await tempDir();
    const s3 = await startLocalS3(await tempDir());
    const noRegion = {
      HOME: home,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    try {
      for (const more of [[], ["--dry-run"]]) {
        const r = await runCli(["publish", out, "--to", "s3://shop-images/c", "--allow-emulated", ...more], {
          env: noRegion,
        });
        expect([r.code, r.stdout, r.stderr]).toEqual([
          2,
          "",
          "seedream-pipeline: publish to s3://shop-images/c: no AWS region: pass --region, set AWS_REGION, or set region in the profile\n",
        ]);
      }
      const withEndpoint = await runCli(s3Args(s3, out), { env: noRegion });
      expect(withEndpoint.code, withEndpoint.stderr).toBe(0);
      expect(withEndpoint.stdout).toContain("18 files sent");

      await mkdir(join(home, ".aws"));
      await writeFile(join(home, ".aws", "config"), "[profile shop]\nregion = us-east-1\n");
      await writeFile(
        join(home, ".aws", "credentials"),
        "[shop]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n",
      );
      const profileEnv = {
        HOME: home,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      };
      const noCredentials = await runCli(s3Args(s3, out), { env: profileEnv });
      expect(noCredentials.code).toBe(2);
      expect(noCredentials.stderr).toMatch(
        /^seedream-pipeline: publish to s3:\/\/published\/catalog\/nightly at http:\/\/127\.0\.0\.1:\d+: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile \(.*\)\n$/,
      );
      const before = s3.requests.length;
      const profiled = await runCli(s3Args(s3, out, "--profile", "shop", "--check"), { env: profileEnv });
      expect(profiled.code, profiled.stderr).toBe(0);
      expect(profiled.stdout).toContain(
        "0 files sent (0.0 MB), 18 already there (checked at the destination)",
      );
      expect(s3.requests.length - before).toBe(19);
    } finally {
      await s3.close();
    }
  });
});
