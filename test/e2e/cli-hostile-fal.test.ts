import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { runArgs } from "../helpers/e2e-run.js";
import {
  type HostileFal,
  type Hostility,
  isResultCall,
  isSubmit,
  sendChunked,
  sendJson,
  startHostileFal,
} from "../helpers/hostile-fal.js";
import { writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { type CliResult, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

/**
 * What fal — or whatever answers at its address — can make the runner do: the real CLI and the
 * real client against a server on 127.0.0.1 that plays fal through the emulator and answers some
 * calls with hostile ones.
 */

const tempDir = useTempDirs();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const MiB = 1024 * 1024;
const uuid = "9a1c0d6e-2b3f-4c5d-8e9f-0a1b2c3d4e5f";

async function emulator(): Promise<Emulator> {
  const em = await startEmulator({ render: "fast", inferenceMs: 10 });
  closers.push(() => em.close());
  return em;
}

async function hostile(em: Emulator, hostility: Hostility): Promise<HostileFal> {
  const h = await startHostileFal(em.url, hostility);
  closers.push(() => h.close());
  return h;
}

/** A service on another port of 127.0.0.1 that must never be reached: it counts its hits. */
async function internalService(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "/");
    res.writeHead(200, { "content-type": "image/png" });
    res.end("secret admin page");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** A manifest of `rows` jobs, one image each, and where its run writes. */
async function manifest(rows: number, extra = ""): Promise<{ path: string; out: string; dir: string }> {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 64, 48, "#8899aa");
  const list = Array.from({ length: rows }, (_, i) => `{ sku: S${i + 1} }`).join(", ");
  await writeFile(
    join(dir, "m.yaml"),
    `name: hostile
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{sku}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows: [${list}]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
${extra}`,
  );
  return { path: join(dir, "m.yaml"), out: join(dir, "out"), dir };
}

/** Runs the CLI, noting the child's peak resident memory (VmHWM, read from /proc while it runs). */
async function run(
  args: string[],
  env: Record<string, string> = { FAL_KEY: "k" },
): Promise<CliResult & { peakRssMb: number }> {
  const cli = startCli(args, { env });
  let peak = 0;
  let running = true;
  const watching = (async () => {
    while (running) {
      try {
        const status = readFileSync(`/proc/${cli.child.pid}/status`, "utf8");
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // Gone, or no /proc: the peak so far stands.
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const result = await cli.done;
  running = false;
  await watching;
  return { ...result, peakRssMb: peak };
}

/** Every file a run wrote outside `.state/` and `runs/` (the images, sidecars, gallery, report). */
async function outputFiles(out: string): Promise<string[]> {
  const entries = await readdir(out, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(out.length + 1))
    .filter((p) => !p.includes(".state/") && !p.includes("runs/"));
}

type ReportJob = { id: string; status: string; error?: { message: string; class?: string } };
async function reportOf(out: string): Promise<{
  jobs: ReportJob[];
  totals: { spend: { run: { completed: { requests: number; cost_usd: number; images: number } } } };
}> {
  return JSON.parse(await readFile(join(out, "hostile", "report.json"), "utf8"));
}

/** A result answer naming `urls` as the request's images. */
function resultWith(urls: readonly string[]): Hostility {
  return (req, res) => {
    if (!isResultCall(req)) return false;
    const id = /\/requests\/([^/?]+)/.exec(req.url ?? "")?.[1] ?? "";
    const images = urls.map((url) => ({ url, content_type: "image/png" }));
    sendJson(res, 200, { images }, { "x-fal-request-id": id });
    return true;
  };
}

describe("downloads go only where fal's results live", () => {
  it("never fetches a result URL on another port of 127.0.0.1, directly or through a redirect", async () => {
    const em = await emulator();
    const internal = await internalService();
    let results = 0;
    const h = await hostile(em, (req, res, at) => {
      if (req.url === "/files/redirect.png") {
        res.writeHead(302, { location: `${internal.url}/internal/admin?via=redirect` });
        res.end();
        return true;
      }
      if (!isResultCall(req)) return false;
      results += 1;
      // One job gets the internal service's URL itself, the other one of ours that redirects there.
      const url = results === 1 ? `${internal.url}/internal/admin` : `${at.self}/files/redirect.png`;
      sendJson(res, 200, { images: [{ url, content_type: "image/png" }] });
      return true;
    });
    const m = await manifest(2);
    const r = await run(runArgs(m.path, m.out, h.url, "--concurrency", "1"));

    expect(r.code).toBe(1);
    expect(internal.hits).toEqual([]);
    const report = await reportOf(m.out);
    expect(report.jobs.map((j) => [j.status, j.error?.class])).toEqual([
      ["failed", "permanent"],
      ["failed", "permanent"],
    ]);
    const messages = report.jobs.map((j) => j.error?.message ?? "").sort();
    expect(messages[0]).toMatch(
      /^image 1: result URL refused \(http, not https, off fal's base URL\): results are downloaded only from fal's media hosts over https or the base URL's origin: http:\/\/127\.0\.0\.1:\d+\/internal\/admin$/,
    );
    // The redirect was followed by hand, and its target refused before it was asked.
    expect(messages[1]).toMatch(/^result URL refused \(http, not https, off fal's base URL\)/);
    expect(h.sent.filter((s) => s.path === "/files/redirect.png")).toHaveLength(1);
    expect((await outputFiles(join(m.out, "hostile"))).filter((f) => f.startsWith("S"))).toEqual([]);
    // The directly named URL is refused before the result is journaled; nothing of either is written.
    const entries = await journalEntries(join(m.out, "hostile"));
    expect(entries.filter((e) => e.type === "image")).toEqual([]);
    expect(entries.filter((e) => e.type === "completed")).toHaveLength(1);
  });

  it("never fetches a forged result URL replayed from the journal", async () => {
    const em = await emulator();
    const internal = await internalService();
    // First run: the result's file is not there yet (503), so the job is left with its result journaled.
    const h = await hostile(em, (req, res, at) => {
      if (req.url === "/files/later.png") {
        sendJson(res, 503, { detail: "not yet" });
        return true;
      }
      return resultWith([`${at.self}/files/later.png`])(req, res, at);
    });
    const m = await manifest(1);
    const first = await run(runArgs(m.path, m.out, h.url, "--retries", "1"));
    expect(first.code).toBe(1);
    const journal = join(m.out, "hostile", ".state", "journal.jsonl");
    const text = await readFile(journal, "utf8");
    expect(text).toContain(`${h.url}/files/later.png`);
    // The journal is edited to point the kept result at another service on this machine.
    await writeFile(journal, text.split(`${h.url}/files/later.png`).join(`${internal.url}/internal/admin`));
    const submits = h.sent.filter(isSubmitPath).length;
    const again = await run(runArgs(m.path, m.out, h.url));

    // The journal's replay holds its lines to the same rule: the run stops, naming the line.
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/journal\.jsonl:\d+: a result URL fal would not send/);
    expect(internal.hits).toEqual([]);
    expect(h.sent.filter(isSubmitPath)).toHaveLength(submits);
  });

  it("stops reading a 1 GB chunked result file at the 100 MiB cap, without buffering it whole", async () => {
    const em = await emulator();
    let body: { written(): number } | undefined;
    const h = await hostile(em, (req, res, at) => {
      if (req.url === "/files/huge.png") {
        body = sendChunked(res, 1024 * MiB, "image/png");
        return true;
      }
      return resultWith([`${at.self}/files/huge.png`])(req, res, at);
    });
    const m = await manifest(1);
    const r = await run(runArgs(m.path, m.out, h.url));

    expect(r.code).toBe(1);
    const [job] = (await reportOf(m.out)).jobs;
    expect(job?.error).toMatchObject({
      class: "permanent",
      message: "image 1: result file is more, over the 104857600-byte cap: refused",
    });
    // One download, not retried: the same file would be over the cap again.
    expect(h.sent.filter((s) => s.path === "/files/huge.png")).toHaveLength(1);
    // What the server could push into socket buffers beyond the cap before the runner hung up.
    expect(body?.written()).toBeLessThan(300 * MiB);
    // Measured 233 MB (the CLI alone is about 130); the whole body took it to 3.2 GB before.
    expect(r.peakRssMb).toBeLessThan(400);
    expect((await outputFiles(join(m.out, "hostile"))).filter((f) => f.startsWith("S"))).toEqual([]);
  });
});

describe("cached uploads are checked like results", () => {
  it("a tampered .state/uploads.json entry on another port of 127.0.0.1 is neither asked nor sent: warned, uploaded again", async () => {
    const em = await emulator();
    const internal = await internalService();
    const h = await hostile(em, () => false);
    const m = await manifest(1);
    const first = await run(runArgs(m.path, m.out, h.url));
    expect(first.code).toBe(0);
    const cachePath = join(m.out, "hostile", ".state", "uploads.json");
    const cache = JSON.parse(await readFile(cachePath, "utf8")) as Record<
      string,
      { url: string; at: number }
    >;
    const [hash, entry] = Object.entries(cache)[0] ?? [];
    expect(entry?.url.startsWith(`${h.url}/`)).toBe(true);
    const uploads = () => em.requests.filter((r) => r.op === "upload-initiate").length;
    expect(uploads()).toBe(1);
    // The cached URL made another service's; a second row needs the input again.
    const forged = `${internal.url}/files/studio.png`;
    await writeFile(cachePath, JSON.stringify({ [hash as string]: { ...entry, url: forged } }));
    await writeFile(
      m.path,
      (await readFile(m.path, "utf8")).replace("rows: [{ sku: S1 }]", "rows: [{ sku: S1 }, { sku: S2 }]"),
    );
    const submitted = h.sent.filter(isSubmitPath).length;
    const second = await run(runArgs(m.path, m.out, h.url));

    expect(second.code).toBe(0);
    expect(internal.hits).toEqual([]);
    expect(second.stderr).toMatch(
      /1 cached upload dropped \([0-9a-f]{12}…: URL refused \(http, not https, off fal's base URL\)\): its input is uploaded again/,
    );
    expect(uploads()).toBe(2);
    // What fal was sent as the image: the new upload's URL, never the forged one.
    const sent = h.sent.filter(isSubmitPath).slice(submitted);
    expect(sent.map((s) => (JSON.parse(s.body) as { image_urls: string[] }).image_urls)).toEqual([
      [expect.stringMatching(new RegExp(`^${h.url}/`))],
    ]);
    expect(sent.some((s) => s.body.includes(internal.url))).toBe(false);
    const after = JSON.parse(await readFile(cachePath, "utf8")) as Record<string, { url: string }>;
    expect(after[hash as string]?.url.startsWith(`${h.url}/`)).toBe(true);
  });
});

describe("a result answer is bounded", () => {
  it("refuses a result listing 2,000 images for one asked: nothing written, journaled or counted as spent", async () => {
    const em = await emulator();
    const h = await hostile(em, (req, res, at) =>
      resultWith(Array.from({ length: 2000 }, (_, i) => `${at.self}/files/x${i}.png`))(req, res, at),
    );
    const m = await manifest(1);
    const r = await run(runArgs(m.path, m.out, h.url));

    expect(r.code).toBe(1);
    const report = await reportOf(m.out);
    expect(report.jobs[0]?.error).toMatchObject({
      class: "permanent",
      message: "fal's result lists 2000 images, more than the 1 asked for: refused",
    });
    expect(report.totals.spend.run.completed).toEqual({ requests: 0, cost_usd: 0, images: 0 });
    expect(r.stdout).toContain("spent: $0.000 for 0 requests completed");
    expect(h.sent.filter((s) => s.path.startsWith("/files/x"))).toEqual([]);
    const entries = await journalEntries(join(m.out, "hostile"));
    expect(entries.filter((e) => e.type === "completed" || e.type === "image")).toEqual([]);
    expect(entries.filter((e) => e.type === "failed")).toHaveLength(1);
    expect(await outputFiles(join(m.out, "hostile"))).not.toContain("S1-square-1.png");
  });

  it("refuses a 400 MB chunked result body at its cap: small memory, a small journal", async () => {
    const em = await emulator();
    const h = await hostile(em, (req, res) => {
      if (!isResultCall(req)) return false;
      sendChunked(res, 400 * MiB, "application/json");
      return true;
    });
    const m = await manifest(1);
    const r = await run(runArgs(m.path, m.out, h.url));

    expect(r.code).toBe(1);
    const [job] = (await reportOf(m.out)).jobs;
    expect(job?.error).toMatchObject({
      class: "permanent",
      message: "fal's result answer is over the 8 MiB cap on an answer: refused unread",
    });
    expect(h.sent.filter((s) => s.method === "GET" && /\/requests\/[^/]+$/.test(s.path))).toHaveLength(1);
    // Measured 149 MB; the whole body took it to 2 GB before.
    expect(r.peakRssMb).toBeLessThan(250);
    expect((await stat(join(m.out, "hostile", ".state", "journal.jsonl"))).size).toBeLessThan(64 * 1024);
  });

  it("refuses a request id not of fal's form before it is put in any URL, and sends no other", async () => {
    const em = await emulator();
    const h = await hostile(em, (req, res) => {
      if (!isSubmit(req)) return false;
      sendJson(res, 200, { status: "IN_QUEUE", request_id: "../../../evil/x", queue_position: 0 });
      return true;
    });
    const m = await manifest(2);
    const r = await run(runArgs(m.path, m.out, h.url));

    expect(r.code).toBe(1);
    expect(h.sent.filter((s) => s.path.includes("evil"))).toEqual([]);
    expect(h.sent.filter((s) => isSubmitPath(s))).toHaveLength(2);
    const report = await reportOf(m.out);
    for (const job of report.jobs)
      expect(job.error).toMatchObject({
        class: "permanent",
        message: `the request id of fal's submit answer is not of fal's form (a UUID), refused: "../../../evil/x"`,
      });
  });
});

function isSubmitPath(s: { method: string; path: string }): boolean {
  return s.method === "POST" && !s.path.startsWith("/storage/") && !s.path.includes("/requests/");
}

describe("nothing fal sends can hang or spin a run", () => {
  it("follows past a status stream of garbage that never closes, and exits", async () => {
    const em = await emulator();
    let streams = 0;
    const h = await hostile(em, (req, res) => {
      if (!/\/status\/stream/.test(req.url ?? "")) return false;
      streams += 1;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: {not json at all\n\n");
      return true; // and never ends
    });
    const m = await manifest(1);
    const r = await run(runArgs(m.path, m.out, h.url, "--retry-backoff", "10ms"));

    expect(r.code).toBe(0);
    expect(streams).toBeGreaterThanOrEqual(1);
    expect((await reportOf(m.out)).jobs.map((j) => j.status)).toEqual(["succeeded"]);
  });

  it("ends a wait that passes the start timeout and the longest run time: canceled at fal, the stream closed", async () => {
    const em = await emulator();
    const h = await hostile(em, (req, res) => {
      if (!/\/status(\/stream)?(\?|$)/.test(req.url ?? "")) return false;
      // Headers, then nothing: a request fal finished long ago, never said so.
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      return true;
    });
    const m = await manifest(1);
    const r = await run(runArgs(m.path, m.out, h.url, "--start-timeout", "2s", "--max-run-time", "1s"));

    expect(r.code).toBe(1);
    const [job] = (await reportOf(m.out)).jobs;
    expect(job?.error).toMatchObject({
      class: "permanent",
      message:
        "not completed 3 s after submit, past fal's start timeout and the longest run time; canceled at fal",
    });
    expect(h.sent.filter((s) => s.method === "PUT" && s.path.endsWith("/cancel"))).toHaveLength(1);
  });

  it.each([
    ["3000000", "delay-seconds past the cap"],
    ["Fri, 31 Dec 9999 23:59:59 GMT", "a date in 9999"],
  ])("a Retry-After of %s (%s) neither overflows a timer nor holds SIGTERM", async (retryAfter) => {
    const em = await emulator();
    const h = await hostile(em, (req, res) => {
      if (!isSubmit(req)) return false;
      sendJson(res, 429, { detail: "slow down" }, { "retry-after": retryAfter });
      return true;
    });
    const m = await manifest(2);
    const cli = startCli(runArgs(m.path, m.out, h.url, "--concurrency", "1"), { env: { FAL_KEY: "k" } });
    await until(() => h.sent.some(isSubmitPath), "the first submit");
    // The client would retry a 429 itself after about a second: the gate holds it for fal's wait.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    cli.child.kill("SIGTERM");
    const exited = await Promise.race([
      cli.done,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    if (exited === undefined) cli.child.kill("SIGKILL");
    expect(exited?.code).toBe(143);
    expect(exited?.stderr).not.toContain("TimeoutOverflowWarning");
    expect(h.sent.filter(isSubmitPath)).toHaveLength(1);
    const report = await reportOf(m.out);
    // The job whose submit was held is left for the next run; the other never started.
    expect(report.jobs.map((j) => j.status).sort()).toEqual(["not_run", "unfinished"]);
  });

  it("ends within 10 s of SIGTERM during the replay of a huge journal", async () => {
    const em = await emulator();
    const m = await manifest(1);
    const state = join(m.out, "hostile", ".state");
    await import("node:fs/promises").then((fs) => fs.mkdir(state, { recursive: true }));
    // One 150 MB line: read a MiB at a time, it keeps the replay busy for many seconds.
    const line = `{"t":1,"type":"run","run":"${"x".repeat(150 * MiB)}","pid":1}\n`;
    await writeFile(join(state, "journal.jsonl"), line);
    const cli = startCli(runArgs(m.path, m.out, em.url), { env: { FAL_KEY: "k" } });
    const pid = cli.child.pid as number;
    await until(() => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith("journal.jsonl");
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    }, "the journal to be opened");
    cli.child.kill("SIGTERM");
    const exited = await Promise.race([
      cli.done,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    if (exited === undefined) cli.child.kill("SIGKILL");
    expect(exited?.code).toBe(143);
    expect(em.requests.filter((r) => r.op === "submit")).toEqual([]);
  });
});

describe("prices are checked", () => {
  it.each([-1, 0, 1e-9])("a price of %s per image is not used: the budget holds", async (price) => {
    const em = await emulator();
    const h = await hostile(em, (req, res) => {
      if (!(req.url ?? "").startsWith("/v1/models/pricing")) return false;
      const endpoint_id = "fal-ai/bytedance/seedream/v4.5/edit";
      sendJson(res, 200, { prices: [{ endpoint_id, unit_price: price, unit: "image", currency: "USD" }] });
      return true;
    });
    const m = await manifest(8);
    const r = await run(runArgs(m.path, m.out, h.url, "--max-cost", "0.10", "--concurrency", "1"));

    expect(r.code).toBe(3);
    // The built-in $0.04 an image: two fit under $0.10.
    expect(h.sent.filter(isSubmitPath)).toHaveLength(2);
    expect(r.stdout).toContain("spent: $0.080 for 2 requests completed");
    expect(r.stderr).toContain(
      price > 0
        ? `fal's pricing endpoint answered $${price} per image, more than 10 times off its known $0.04`
        : `fal's pricing endpoint answered ${price} per image, not a price (not a finite number > 0)`,
    );
    const cache = await readFile(join(m.out, "hostile", ".state", "prices.json"), "utf8").catch(() => "none");
    expect(cache).toBe("none");
  });
});

/** A key no file or output may hold, in the forms it may be echoed in. */
const CANARY = "sk-canary-7d1e5a90-3c4b-4e8f-9a2d-6b0c1f2e3d4a";
const FORMS = [
  CANARY,
  Buffer.from(CANARY).toString("base64"),
  Buffer.from(`Key ${CANARY}`).toString("base64"),
  encodeURIComponent(`Key ${CANARY}`),
  encodeURIComponent(CANARY),
];
const ECHO = `${CANARY} ${Buffer.from(`Key ${CANARY}`).toString("base64")} ${encodeURIComponent(`Key ${CANARY}`)}`;

async function leaksIn(dir: string, texts: Record<string, string>): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const leaks: string[] = [];
  for (const e of entries.filter((x) => x.isFile())) {
    const file = join(e.parentPath, e.name);
    const text = (await readFile(file)).toString("latin1");
    for (const form of FORMS) if (text.includes(form)) leaks.push(`${file}: ${form}`);
  }
  for (const [name, text] of Object.entries(texts))
    for (const form of FORMS) if (text.includes(form)) leaks.push(`${name}: ${form}`);
  return leaks;
}

describe("secrets never leave the process", () => {
  it("a key fal echoes in a 422, a 500 and a 401 body reaches no file, log or output", async () => {
    const em = await emulator();
    let results = 0;
    let reject = false;
    const h = await hostile(em, (req, res) => {
      if (reject && isSubmit(req)) {
        sendJson(res, 401, { detail: `Invalid key: ${ECHO}` });
        return true;
      }
      if (isSubmit(req) && req.body.toString().includes("S1 ")) {
        sendJson(res, 422, {
          detail: [{ loc: ["body", "prompt"], msg: `bad prompt for ${ECHO}`, type: "x" }],
        });
        return true;
      }
      if (isResultCall(req) && results++ === 0) {
        sendJson(res, 500, { detail: `internal error with key ${ECHO}` }, { "x-fal-request-id": uuid });
        return true;
      }
      return false;
    });
    const m = await manifest(2);
    const log = join(m.dir, "run.log");
    const env = { FAL_KEY: CANARY, LOG_LEVEL: "debug" };
    const args = runArgs(m.path, m.out, h.url, "--log-file", log, "--retry-backoff", "10ms");
    const first = await run(args, env);
    expect(first.code).toBe(1);
    // The second run meets a 401 echoing the key.
    reject = true;
    const m2 = await manifest(1);
    const second = await run(runArgs(m2.path, m2.out, h.url, "--log-file", log), env);
    expect(second.code).toBe(2);

    // The key did reach the server, and the server did echo it: the check below is not vacuous.
    expect(h.sent.some((s) => s.authorization === `Key ${CANARY}`)).toBe(true);
    const report = await reportOf(m.out);
    expect(report.jobs.find((j) => j.id.startsWith("S1"))?.error?.message).toBe(
      // Only the key's own bytes go: the base64 of "Key " and the encoded space stay.
      "prompt: bad prompt for [redacted] S2V5IH[redacted]E= Key%20[redacted]",
    );
    expect(second.stderr).toContain(
      "fal rejected the credentials: Invalid key: [redacted] S2V5IH[redacted]E= Key%20[redacted]",
    );
    const texts = {
      "first stdout": first.stdout,
      "first stderr": first.stderr,
      "second stdout": second.stdout,
      "second stderr": second.stderr,
    };
    expect([...(await leaksIn(m.dir, texts)), ...(await leaksIn(m2.dir, {}))]).toEqual([]);
  });
});
