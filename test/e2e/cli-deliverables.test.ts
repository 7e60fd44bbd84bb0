import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-deliverables-9f8e7d";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
function manifest(output: string, prompts = "  hero: The product of Figure 1 on a white sweep.\n"): string {
  return `name: shop
model: seedream-v4.5
images: { product: ./product.png }
prompts:
${prompts}sizes:
  square: square_hd
  banner: landscape_16_9
output:
${output}`;
}

const RICH = `  path: "{{job}}-{{n}}.{{ext}}"
  format: webp
  quality: 85
  resize:
    square: { width: 2000, height: 2000, fit: cover }
  derivatives:
    thumb: 512 webp
    og: 1200x630 jpeg
`;

async function setUp(output: string, options: EmulatorOptions = {}, prompts?: string) {
  const dir = await tempDir();
  await writePng(join(dir, "product.png"), 600, 450, "#335577");
  await writeFile(join(dir, "m.yaml"), manifest(output, prompts));
  // Flat images: what is checked is formats, sizes and files, not what the pictures show.
  emulator = await emulators.start({ apiKeys: [KEY], inferenceMs: 10, render: "fast", ...options });
  const out = join(dir, "out");
  return {
    dir,
    out,
    args: (...more: string[]) => [
      "run",
      join(dir, "m.yaml"),
      "-o",
      out,
      "--fal-base-url",
      emulator?.url ?? "",
      ...more,
    ],
  };
}

const readReport = async (out: string) =>
  reportSchema.parse(
    JSON.parse(await readFile(join(out, "shop", "report.json"), "utf8")),
  ) as unknown as Report;

describe("deliverable images", () => {
  it("writes each image in its format and exact size, its derivatives and its sidecar; all decode", async () => {
    const { out, args } = await setUp(RICH);
    const r = await runCli(args(), { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(0);
    const report = await readReport(out);
    const expected: Record<string, [number, number]> = {
      "hero-square": [2000, 2000],
      "hero-banner": [2560, 1440],
    };
    for (const job of report.jobs) {
      const [o] = job.outputs;
      if (!o) throw new Error("no output");
      expect(o.path).toBe(`${job.id}-1.webp`);
      const meta = await sharp(join(out, "shop", o.path)).metadata();
      expect([meta.format, meta.width, meta.height, meta.exif]).toEqual([
        "webp",
        ...(expected[job.id] ?? []),
        undefined,
      ]);
      const byName = Object.fromEntries((o.derivatives ?? []).map((d) => [d.name, d]));
      const thumb = await sharp(join(out, "shop", byName.thumb?.path ?? "")).metadata();
      expect([thumb.format, Math.max(thumb.width ?? 0, thumb.height ?? 0)]).toEqual(["webp", 512]);
      const og = await sharp(join(out, "shop", byName.og?.path ?? "")).metadata();
      expect([og.format, og.width, og.height]).toEqual(["jpeg", 1200, 630]);
      expect(byName.og?.path).toBe(`${job.id}-1.og.jpg`);
      const sidecar = JSON.parse(await readFile(join(out, "shop", `${o.path}.json`), "utf8"));
      expect(sidecar).toMatchObject({
        job: job.id,
        key: job.key,
        model: "seedream-v4.5",
        endpoint: "fal-ai/bytedance/seedream/v4.5/edit",
        request_id: job.request_id,
        prompt: "The product of Figure 1 on a white sweep.",
        size: { name: job.size_name },
        image: { n: 1, path: o.path, sha256: o.sha256, width: o.width, height: o.height },
      });
      expect(sidecar.input_images[0].sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(sidecar.created_at)).toBeGreaterThan(0);
    }
  });

  it("re-encodes from the kept originals when only output settings change: no call to fal", async () => {
    const { dir, out, args } = await setUp('  path: "{{job}}-{{n}}.{{ext}}"\n');
    expect((await runCli(args(), { env: { FAL_KEY: KEY } })).code).toBe(0);
    const em = emulator as Emulator;
    const calls = em.requests.length;
    await writeFile(join(dir, "m.yaml"), manifest(RICH));
    const again = await runCli(args(), { env: { FAL_KEY: KEY } });
    expect(again.code).toBe(0);
    expect(em.requests.length).toBe(calls);
    const report = await readReport(out);
    expect(report.totals).toMatchObject({ skipped: 2, succeeded: 0, cost_usd: 0 });
    const files = await readdir(join(out, "shop"));
    expect(files.filter((f) => /^hero-.*\.(webp|jpg)$/.test(f)).sort()).toEqual([
      "hero-banner-1.og.jpg",
      "hero-banner-1.thumb.webp",
      "hero-banner-1.webp",
      "hero-square-1.og.jpg",
      "hero-square-1.thumb.webp",
      "hero-square-1.webp",
    ]);
    expect((await sharp(join(out, "shop", "hero-square-1.webp")).metadata()).width).toBe(2000);
  });

  it("retries a truncated download, then leaves the job unfinished with that cause and writes nothing for it", async () => {
    const { out, args } = await setUp('  path: "{{job}}-{{n}}.{{ext}}"\n', {
      faults: { truncateDownloads: 1 },
    });
    const r = await runCli(args("--retries", "3", "--retry-backoff", "10ms"), { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(1);
    const report = await readReport(out);
    for (const job of report.jobs) {
      // A broken download is not the job's fault: the next run delivers the result kept.
      expect(job.status).toBe("unfinished");
      expect(job.error).toMatchObject({ stage: "download", class: "retryable" });
      expect(job.error?.message).toMatch(
        /^image 1: (truncated download|terminated|.*fetch failed|.*other side closed)/,
      );
      expect(job.retries?.filter((x) => x.stage === "download")).toHaveLength(2);
      expect(job.attempts?.map((a) => a.outcome)).toEqual(["unfinished"]);
    }
    const files = await readdir(join(out, "shop"));
    expect(files.filter((f) => f.startsWith("hero-"))).toEqual([]);
    // One submit each: a broken download is retried on the same request, never resubmitted.
    expect((emulator as Emulator).requests.filter((q) => q.op === "submit")).toHaveLength(2);
  });
});

describe("cron-friendly output", () => {
  it("not on a terminal: JSON lines only, progress and milestone lines, ids on job lines, no key, no escape codes", async () => {
    const { args } = await setUp(
      '  path: "{{job}}-{{n}}.{{ext}}"\n',
      { inferenceMs: { min: 60, max: 120 }, concurrency: 2 },
      "  a: one\n  b: two\n  c: three\n",
    );
    const r = await runCli(args("--progress-every", "50ms"), { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n").filter(Boolean);
    const records = lines.map((l) => JSON.parse(l) as { msg: string; job?: string; requestId?: string });
    expect(r.stderr).not.toContain("\u001b");
    expect(`${r.stdout}${r.stderr}`).not.toContain(KEY);
    expect(records.filter((x) => x.msg === "progress").length).toBeGreaterThan(0);
    expect(records.filter((x) => x.msg.startsWith("milestone")).map((x) => x.msg)).toEqual([
      "milestone: 25% of jobs done",
      "milestone: 50% of jobs done",
      "milestone: 75% of jobs done",
      "milestone: 100% of jobs done",
    ]);
    const jobLines = records.filter((x) => x.msg === "submitted" || x.msg === "job succeeded");
    expect(jobLines).toHaveLength(12);
    for (const x of jobLines) expect([typeof x.job, typeof x.requestId]).toEqual(["string", "string"]);
  });

  it("--quiet prints no info lines; --log-file keeps them as JSON", async () => {
    const { dir, args } = await setUp('  path: "{{job}}-{{n}}.{{ext}}"\n');
    const log = join(dir, "run.log");
    const r = await runCli(args("--quiet", "--log-file", log), { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const fileLines = (await readFile(log, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string });
    expect(fileLines.map((x) => x.msg)).toContain("run finished");
  });

  it("--notify-url pings start, then posts the summary", async () => {
    const { args } = await setUp('  path: "{{job}}-{{n}}.{{ext}}"\n');
    const hits: Array<{ path: string; body: { totals?: { succeeded: number }; exit_code?: number } }> = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => {
        body += d.toString();
      });
      req.on("end", () => {
        hits.push({ path: req.url ?? "", body: JSON.parse(body || "{}") });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/ping/abc`;
    try {
      const r = await runCli(args("--notify-url", url), { env: { FAL_KEY: KEY } });
      expect(r.code).toBe(0);
      expect(hits.map((h) => h.path)).toEqual(["/ping/abc/start", "/ping/abc"]);
      expect(hits[1]?.body).toMatchObject({ totals: { succeeded: 2 }, exit_code: 0 });
      expect(JSON.stringify(hits)).not.toContain(KEY);
    } finally {
      hook.close();
    }
  });

  it("`report` rebuilds the gallery and prints the last run's summary without calling fal", async () => {
    const { out, args } = await setUp(
      '  path: "{{job}}-{{n}}.{{ext}}"\n',
      { blockedWords: ["forbidden"] },
      "  hero: fine\n  bad: a forbidden one\n",
    );
    const em = emulator as Emulator;
    expect((await runCli(args(), { env: { FAL_KEY: KEY } })).code).toBe(1);
    const calls = em.requests.length;
    const r = await runCli(["report", join(out, "shop")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^shop: run \S+ \(completed\), 4 jobs: 2 succeeded, 2 failed\n2 images, \$0\.080 spent/,
    );
    expect(em.requests.length).toBe(calls);
    const html = await readFile(join(out, "shop", "index.html"), "utf8");
    expect(html).toContain("prompt: The content could not be processed");
    const sheet = await sharp(join(out, "shop", "contact-sheet.png")).metadata();
    expect([sheet.format, (sheet.width ?? 0) > 0]).toEqual(["png", true]);
  });
});
