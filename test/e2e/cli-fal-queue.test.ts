import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { runArgs } from "../helpers/e2e-run.js";
import { writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { runCli, startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-fal-queue-e2e";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** `prompts` × 1 size over one local image, run against an emulator with `options`. */
async function setUp(prompts: number, options: EmulatorOptions, ...more: string[]) {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 320, 240, "#885533");
  const lines = Array.from({ length: prompts }, (_, i) => `  p${i}: Product shot number ${i}.`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: queue\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts:\n${lines}\nsizes: { s: square }\n`,
  );
  emulator = await startEmulator({ apiKeys: [KEY], render: "fast", concurrency: prompts, ...options });
  const out = join(dir, "out");
  return {
    out,
    args: runArgs(join(dir, "m.yaml"), out, emulator.url, "-c", String(prompts), ...more),
    em: emulator,
  };
}

async function report(out: string): Promise<Report> {
  return reportSchema.parse(
    JSON.parse(await readFile(join(out, "queue", "report.json"), "utf8")),
  ) as unknown as Report;
}

const submitted = (em: Emulator) => em.requests.filter((r) => r.op === "submit" && r.status === 200);
const warnings = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => /"level":(40|50)/.test(l))
    .join("\n");

/** Starts a run, lets fal accept `n` requests and hold them running, then interrupts it (SIGTERM). */
async function interruptedWhileRunning(args: string[], em: Emulator, n: number): Promise<string[]> {
  const run = startCli(args, { env: { FAL_KEY: KEY } });
  await em.waitFor(() => em.load().running === n);
  run.child.kill("SIGTERM");
  await run.done;
  for (let i = 0; i < n; i++) em.release();
  await em.waitFor((s) => s.requests.filter((r) => r.outcome !== "pending").length === n);
  return submitted(em).map((r) => r.requestId ?? "");
}

describe("fal's queue as documented: its URLs, its history, its lifetimes", () => {
  it("a base-URL night whose every request reached the base URL: queue at the reply's URLs, uploads and downloads at fal's CDN host", async () => {
    const { out, args, em } = await setUp(2, { inferenceMs: 20, falHosts: true, queuePathPrefix: "/q" });
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code, warnings(r.stderr)).toBe(0);
    const rep = await report(out);
    expect(rep.totals).toMatchObject({ jobs: 2, succeeded: 2 });
    // The emulator gave out https://queue.fal.run/q/… and https://v3.fal.media/… only: each was
    // reached through the base URL, or the run could not have finished (no internet here).
    const ops = new Set(em.requests.map((q) => q.op));
    expect([...ops].sort()).toEqual([
      "file",
      "models",
      "pricing",
      "result",
      "status-stream",
      "submit",
      "upload-initiate",
      "upload-put",
    ]);
    expect(em.requests.filter((q) => q.status >= 400)).toEqual([]);
    // v5 lite at fal's current id (#23): owner bytedance, app seedream.
    for (const q of em.requests.filter((q) => ["result", "status-stream"].includes(q.op)))
      expect(q.path.startsWith("/q/bytedance/seedream/requests/")).toBe(true);
    expect(em.requests.filter((q) => q.op === "file" && q.path.startsWith("/files/results/"))).toHaveLength(
      2,
    );
    const journal = await journalEntries(join(out, "queue"));
    for (const e of journal.filter((e) => e.type === "submitted"))
      expect(e.type === "submitted" && e.urls?.status).toBe(
        `https://queue.fal.run/q/bytedance/seedream/requests/${e.type === "submitted" ? e.request : ""}/status`,
      );
  });

  it("a 404 is looked up in fal's request history: expired queue results are delivered from its payloads (0 new submits); only a request fal no longer knows is sent again", async () => {
    const { out, args, em } = await setUp(3, { inferenceMs: "hold", queuePathPrefix: "/q" });
    const [a, b, c] = await interruptedWhileRunning(args, em, 3);
    // fal's queue no longer serves two results; it no longer knows the third at all.
    em.expireResult(a ?? "");
    em.expireResult(b ?? "");
    em.forget(c ?? "");
    em.setFaults({ historyBadItems: 1 });
    const run = startCli(args, { env: { FAL_KEY: KEY } });
    await em.waitFor(() => submitted(em).length === 4);
    em.release();
    const r = await run.done;
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect(
      r.stderr.match(/its request history has its output: delivering that, not sending it again/g),
    ).toHaveLength(2);
    expect(r.stderr).toContain("its request history does not list it: fal no longer knows it");
    expect(r.stderr).toContain(
      "fal's request history listed items without the fields the runner needs: skipped",
    );
    const rep = await report(out);
    expect(rep.totals).toMatchObject({ jobs: 3, succeeded: 3 });
    expect(submitted(em)).toHaveLength(4);
    expect(rep.jobs.map((j) => j.request_id).sort()).toEqual([a, b, submitted(em)[3]?.requestId].sort());
    for (const job of rep.jobs) {
      const meta = await sharp(join(out, "queue", job.outputs[0]?.path ?? "")).metadata();
      expect([meta.width, meta.height]).toEqual([1920, 1920]);
    }
  });

  it("a history that lists ended requests only after a delay: a submit whose answer never came is found once listed, within the bound, and paid once", async () => {
    const { out, args, em } = await setUp(
      2,
      { inferenceMs: 20, faults: { dropSubmitAnswerRate: 1, historyDelayMs: 1500 } },
      "--start-timeout",
      "5m",
      "--max-run-time",
      "5m",
    );
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect(r.stderr).toContain("in doubt, being reconciled: waiting for fal's request history");
    expect(r.stderr.match(/found in fal's request history: following it, not sending again/g)).toHaveLength(
      2,
    );
    expect((await report(out)).totals.succeeded).toBe(2);
    expect(em.stats().submits).toMatchObject({ accepted: 2, duplicates: 0, unanswered: 2 });
  });

  it("--no-store-io: a completed request fal no longer serves waits for a person, and says why (0 new submits)", async () => {
    const { out, args, em } = await setUp(1, { inferenceMs: "hold" }, "--no-store-io");
    const [a] = await interruptedWhileRunning(args, em, 1);
    expect(em.requests.find((q) => q.op === "submit")?.headers["x-fal-store-io"]).toBe("0");
    em.expireResult(a ?? "");
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(1);
    const rep = await report(out);
    expect(rep.jobs[0]).toMatchObject({ status: "failed", request_id: a });
    expect(rep.jobs[0]?.error?.message).toContain("the history keeps no output");
    expect(rep.jobs[0]?.error?.message).toContain("it waits for a person (--retry-failed sends it again)");
    expect(submitted(em)).toHaveLength(1);
  });

  it("--no-store-io: a submit whose answer never came is not looked up by its input; it waits for a person", async () => {
    const { out, args, em } = await setUp(
      1,
      { inferenceMs: 20, faults: { delaySubmitAnswerMs: "hold" } },
      "--no-store-io",
    );
    const run = startCli(args, { env: { FAL_KEY: KEY } });
    await em.waitFor((s) => s.submits.accepted === 1);
    run.child.kill("SIGKILL");
    await run.done;
    em.setFaults({});
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(1);
    const rep = await report(out);
    expect(rep.jobs[0]?.status).toBe("failed");
    expect(rep.jobs[0]?.error?.message).toContain(
      "it was sent with X-Fal-Store-IO: 0 (--no-store-io), so fal's request history keeps no input to find it by; it waits for a person",
    );
    expect(em.stats().submits.accepted).toBe(1);
  });

  it("a status stream gone silent is given up after --stream-silence, and the request polled to its end", async () => {
    const { out, args, em } = await setUp(
      1,
      { inferenceMs: "hold", faults: { silentStreams: true } },
      "--stream-silence",
      "1s",
    );
    const run = startCli(args, { env: { FAL_KEY: KEY } });
    // The request runs until the run has given the stream up and polls it.
    await em.waitFor(() => em.requests.some((q) => q.op === "status"));
    em.release();
    const r = await run.done;
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect(r.stderr).toContain("status stream silent; polling the request instead");
    expect((await report(out)).totals.succeeded).toBe(1);
    const ops = em.requests.filter((q) => q.op === "status-stream" || q.op === "status").map((q) => q.op);
    expect(ops[0]).toBe("status-stream");
    expect(ops.slice(1).every((op) => op === "status")).toBe(true);
    expect(submitted(em)).toHaveLength(1);
  });

  it("an image whose stated type and size differ from its bytes is kept as the bytes are, with a warning, and journaled", async () => {
    const { out, args } = await setUp(1, { inferenceMs: 20, faults: { misstateImages: true } });
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect(r.stderr).toContain(
      "fal's stated type or size is not the downloaded image's: kept as the bytes are",
    );
    const rep = await report(out);
    expect(rep.totals.succeeded).toBe(1);
    const meta = await sharp(join(out, "queue", rep.jobs[0]?.outputs[0]?.path ?? "")).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 1920, 1920]);
    const kept = (await journalEntries(join(out, "queue"))).find((e) => e.type === "kept");
    expect(kept?.type === "kept" && kept.claimsDiffer).toBe(
      "fal said image/jpeg 1920x1921, the file is image/png 1920x1920",
    );
  });

  it("results outlive an account whose files expire at once: every submit asks fal to keep its files 14 days", async () => {
    const { out, args, em } = await setUp(2, { inferenceMs: 20, defaultMediaLifetimeMs: 1 });
    const r = await runCli(args, { env: { FAL_KEY: KEY } });
    expect(r.code, warnings(r.stderr)).toBe(0);
    expect((await report(out)).totals.succeeded).toBe(2);
    for (const q of submitted(em))
      expect(q.headers["x-fal-object-lifecycle-preference"]).toBe('{"expiration_duration_seconds":1209600}');
  });
});
