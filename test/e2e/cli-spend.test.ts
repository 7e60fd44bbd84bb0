import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { finishReleasing } from "../helpers/e2e-run.js";
import { useEmulators } from "../helpers/emulator.js";
import { type HostileFal, sendJson, startHostileFal } from "../helpers/hostile-fal.js";
import { writePng } from "../helpers/images.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-spend-test";
const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
let proxy: HostileFal | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** One job per row (a square image of each), the names in the prompt. */
function manifest(names: readonly string[], extra = ""): string {
  const rows = names.map((n, i) => `  - { sku: S${i + 1}, name: "${n}" }`).join("\n");
  return `name: spend
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows:
${rows}
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
${extra}`;
}

async function setUp(names: readonly string[], options: EmulatorOptions = {}, extra = "") {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
  await writeFile(join(dir, "m.yaml"), manifest(names, extra));
  emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 10, ...options });
  const out = join(dir, "out");
  const m = join(dir, "m.yaml");
  return { dir, out, m, env: { FAL_KEY: KEY }, url: emulator.url };
}

const readReport = async (out: string) =>
  reportSchema.parse(
    JSON.parse(await readFile(join(out, "spend", "report.json"), "utf8")),
  ) as unknown as Report;
const ops = (em: Emulator, op: string) => em.requests.filter((r) => r.op === op);
const accepted = (em: Emulator) => em.requests.filter((r) => r.op === "submit" && r.status === 200);

/** A proxy to `target` whose pricing endpoint fails (503), as fal's may while its queue answers. */
async function pricingDown(target: string): Promise<string> {
  const h = await startHostileFal(target, (req, res) => {
    if (!(req.url ?? "").startsWith("/v1/models/pricing")) return false;
    sendJson(res, 503, { detail: "pricing is down" });
    return true;
  });
  proxy = h;
  return h.url;
}

describe("spend: every request fal accepted, priced from fal's pricing endpoint", () => {
  it("reports the spend fal billed: requests accepted and completed × fal's price; the price is cached a day", async () => {
    const { out, m, env, url } = await setUp(["Alpha", "Beta", "forbidden", "Delta", "Echo"], {
      prices: { [V45]: 0.03 },
      blockedWords: ["forbidden"],
      faults: { failRequests: 0.3 },
    });
    const em = emulator as Emulator;
    const first = await runCli(
      ["run", m, "-o", out, "--fal-base-url", url, "-c", "2", "--retry-backoff", "10ms"],
      { env },
    );
    expect(first.code).toBe(1);
    const report = await readReport(out);
    expect(report.run.prices).toEqual([
      { endpoint: V45, unit_price_usd: 0.03, source: "fal", fetched_at: expect.any(String) },
    ]);
    const stats = em.stats();
    const billed = stats.billing;
    expect(billed.completed).toBeGreaterThanOrEqual(4);
    const spend = report.totals.spend;
    expect(spend?.run).toEqual({
      accepted: { requests: stats.submits.accepted, cost_usd: billed.costUsd },
      completed: { requests: billed.completed, images: billed.images, cost_usd: billed.costUsd },
      // The content-policy one, and each request fal failed with a runner error (sent again).
      failed: { requests: stats.submits.accepted - billed.completed, cost_usd: 0 },
      pending: { requests: 0, cost_usd: 0 },
      in_doubt: { requests: 0, cost_usd: 0 },
    });
    expect(billed.costUsd).toBe(0.03 * billed.images);
    expect(report.totals.cost_usd).toBe(billed.costUsd);
    expect(spend?.all_runs).toEqual(spend?.run);
    const usd = `$${billed.costUsd.toFixed(3)}`;
    const gallery = await readFile(join(out, "spend", "index.html"), "utf8");
    expect(gallery).toContain(`<span>all runs: ${usd} for ${billed.completed} requests</span>`);
    expect(first.stdout).toContain(
      `spent: ${usd} for ${billed.completed} requests completed, 0 pending, 0 in doubt; all runs of this folder: ${usd}\n`,
    );

    // Within a day: the cached price, no call to the pricing endpoint, nothing new spent.
    const plan = await runCli(["plan", m, "-o", out, "--fal-base-url", url], { env });
    expect(plan.stdout).toContain(
      "price: seedream-v4.5 $0.030 per image, from fal's pricing endpoint (cached under a day)\n",
    );
    // The content-policy job stays failed (exit 1); a job fal failed every time would be sent again.
    em.setFaults({});
    expect((await runCli(["run", m, "-o", out, "--fal-base-url", url], { env })).code).toBe(1);
    expect(ops(em, "pricing")).toHaveLength(1);
    const again = await readReport(out);
    expect(again.run.prices?.map((p) => [p.source, p.unit_price_usd])).toEqual([["cache", 0.03]]);
    const now = em.stats();
    const sentAgain = now.submits.accepted - stats.submits.accepted;
    expect(again.totals.spend?.run.accepted.requests).toBe(sentAgain);
    expect(again.totals.spend?.all_runs).toMatchObject({
      accepted: { requests: now.submits.accepted, cost_usd: now.billing.costUsd },
      completed: {
        requests: now.billing.completed,
        images: now.billing.images,
        cost_usd: now.billing.costUsd,
      },
    });
  });

  it("adds up across a SIGKILL while fal held accepted submits: the next run finds them, and the total is what fal billed", async () => {
    const { out, m, env, url } = await setUp(["Alpha", "Beta", "Gamma", "Delta"], {
      faults: { delaySubmitAnswerMs: "hold" },
      concurrency: 2,
    });
    const em = emulator as Emulator;
    const args = ["run", m, "-o", out, "--fal-base-url", url, "-c", "2", "--start-timeout", "5m"];
    const killed = startCli(args, { env });
    await em.waitFor((s) => s.submits.accepted >= 2);
    killed.child.kill("SIGKILL");
    await killed.done;
    em.setFaults({});
    expect((await runCli(args, { env })).code).toBe(0);
    const stats = em.stats();
    expect(stats.submits).toMatchObject({ accepted: 4, duplicates: 0 });
    const spend = (await readReport(out)).totals.spend;
    // The killed run wrote no report; its requests, found and attached, count in the total.
    expect(spend?.all_runs).toEqual({
      accepted: { requests: 4, cost_usd: stats.billing.costUsd },
      completed: { requests: 4, images: 4, cost_usd: stats.billing.costUsd },
      failed: { requests: 0, cost_usd: 0 },
      pending: { requests: 0, cost_usd: 0 },
      in_doubt: { requests: 0, cost_usd: 0 },
    });
    expect(stats.billing.costUsd).toBe(0.16);
  });

  it("uses the built-in price, with a note, when fal's pricing endpoint fails: in plan and in the report", async () => {
    const { out, m, env, url } = await setUp(["Alpha", "Beta"]);
    const base = await pricingDown(url);
    const plan = await runCli(["plan", m, "--fal-base-url", base], { env });
    expect(plan.stdout).toContain(
      `price: seedream-v4.5 $0.040 per image, built in (fal's pricing endpoint failed: GET /models/pricing: HTTP 503: pricing is down)\n`,
    );
    const noKey = await runCli(["plan", m]);
    expect(noKey.stdout).toContain(
      "price: seedream-v4.5 $0.040 per image, built in (FAL_KEY is not set: fal's prices were not asked)\n",
    );
    expect((await runCli(["run", m, "-o", out, "--fal-base-url", base], { env })).code).toBe(0);
    const report = await readReport(out);
    expect(report.run.prices).toEqual([
      {
        endpoint: V45,
        unit_price_usd: 0.04,
        source: "built-in",
        note: "fal's pricing endpoint failed: GET /models/pricing: HTTP 503: pricing is down",
      },
    ]);
    const billed = (emulator as Emulator).stats().billing;
    expect(report.totals.spend?.run.completed).toEqual({ requests: 2, images: 2, cost_usd: billed.costUsd });
    expect(billed.costUsd).toBe(0.08);
  });
});

describe("the budget counts what fal holds, and sends nothing it cannot pay for", () => {
  it("reserves the requests an earlier run left at fal, and still fetches them", async () => {
    const { out, m, env, url } = await setUp(["Alpha", "Beta", "Gamma", "Delta"], {
      inferenceMs: "hold",
      concurrency: 2,
    });
    const em = emulator as Emulator;
    const args = (...more: string[]) => ["run", m, "-o", out, "--fal-base-url", url, ...more];
    const first = startCli(args("-c", "2"), { env });
    await until(() => accepted(em).length >= 2, "two submits");
    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(143);
    const left = await readReport(out);
    expect(left.totals.spend?.run.pending).toEqual({ requests: 2, cost_usd: 0.08 });
    const plan = await runCli(["plan", m, "-o", out, "--fal-base-url", url, "--max-cost", "0.13"], { env });
    expect(plan.stderr).toBe(
      "warning: what this run would send and what earlier runs left at fal can cost up to $0.160, over the budget of $0.130 (--max-cost): the run stops submitting at the budget (exit 3)\n",
    );

    // $0.13: the two left at fal ($0.08) and one new job ($0.04); not two.
    const second = await finishReleasing(startCli(args("-c", "2", "--max-cost", "0.13"), { env }), em);
    expect(second.code).toBe(3);
    expect(accepted(em)).toHaveLength(3);
    const report = await readReport(out);
    expect(report.run.ended_by).toBe("budget");
    expect(report.totals).toMatchObject({ succeeded: 3, not_run: 1 });
    expect(report.totals.spend?.run).toMatchObject({
      accepted: { requests: 1, cost_usd: 0.04 },
      completed: { requests: 1, images: 1, cost_usd: 0.04 },
    });
    expect(report.totals.spend?.all_runs).toMatchObject({
      accepted: { requests: 3, cost_usd: 0.12 },
      completed: { requests: 3, images: 3, cost_usd: 0.12 },
      pending: { requests: 0, cost_usd: 0 },
    });
  });

  it("uploads nothing and sends nothing when the budget cannot pay for a single job", async () => {
    const { out, m, env, url } = await setUp(["Alpha", "Beta"]);
    const em = emulator as Emulator;
    const r = await runCli(["run", m, "-o", out, "--fal-base-url", url, "--max-cost", "0.03"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("seedream-pipeline: the budget is spent: 2 jobs not run\n");
    expect(r.stderr).toContain('"msg":"the budget cannot pay for a single job: nothing is uploaded or sent"');
    expect(em.requests.map((c) => c.op)).toEqual(["models", "pricing"]);
    const report = await readReport(out);
    expect(report.run.ended_by).toBe("budget");
    expect(report.totals).toMatchObject({ jobs: 2, not_run: 2, cost_usd: 0 });
  });

  it("plan and --dry-run warn in one line when the cap is below what the run could cost", async () => {
    const { m, env, url, dir } = await setUp(["Alpha", "Beta", "Gamma"], {}, "max_cost_usd: 0.1\n");
    const plan = await runCli(["plan", m, "--fal-base-url", url], { env });
    expect(plan.code).toBe(0);
    expect(plan.stderr).toBe(
      "warning: the plan can cost up to $0.120, over the budget of $0.100 (max_cost_usd): the run stops submitting at the budget (exit 3)\n",
    );
    const dry = await runCli(["run", m, "--dry-run", "-o", join(dir, "out"), "--max-cost", "0.05"], {
      env: { ...env, SEEDREAM_FAL_BASE_URL: url },
    });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(
      "warning: what this run would send can cost up to $0.120, over the budget of $0.050 (--max-cost): the run stops submitting at the budget (exit 3)\n",
    );
    const enough = await runCli(["plan", m, "--fal-base-url", url, "--max-cost", "0.12"], { env });
    expect(enough.stderr).toBe("");
    // The model's schema and the prices were asked; nothing was uploaded or sent.
    expect(new Set((emulator as Emulator).requests.map((c) => c.op))).toEqual(new Set(["models", "pricing"]));
  });
});
