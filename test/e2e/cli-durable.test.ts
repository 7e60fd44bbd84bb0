import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../../src/emulator/index.js";
import { type Report, reportSchema } from "../../src/report/index.js";
import { finishReleasing } from "../helpers/e2e-run.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();

const KEY = "sk-durable-test";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
/** A catalog over inline rows: one job per row and size; `names` are the rows' names. */
function manifest(names: readonly string[], extra = ""): string {
  const rows = names.map((n, i) => `  - { sku: S${i + 1}, name: "${n}" }`).join("\n");
  return `name: durable
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{name}} in the studio of Figure 1." }
sizes: { square: square_hd, wide: landscape_16_9 }
rows:
${rows}
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
output: { path: "{{sku}}/{{job}}-{{n}}.{{ext}}" }
${extra}`;
}

async function setUp(names: readonly string[], options: EmulatorOptions = {}, extra = "") {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
  await writeFile(join(dir, "m.yaml"), manifest(names, extra));
  emulator = await emulators.start({
    apiKeys: [KEY],
    render: "fast",
    inferenceMs: { min: 10, max: 40 },
    ...options,
  });
  const out = join(dir, "out");
  const args = (...more: string[]) => [
    "run",
    join(dir, "m.yaml"),
    "-o",
    out,
    "--fal-base-url",
    emulator?.url ?? "",
    ...more,
  ];
  return { dir, out, args, env: { FAL_KEY: KEY } };
}

const report = async (out: string) =>
  reportSchema.parse(
    JSON.parse(await readFile(join(out, "durable", "report.json"), "utf8")),
  ) as unknown as Report;
const submits = (em: Emulator) => em.requests.filter((r) => r.op === "submit" && r.status === 200);

describe("durable runs", () => {
  it("a re-run with nothing changed sends nothing; one changed row sends exactly that row's jobs", async () => {
    const { dir, out, args, env } = await setUp(["Alpha", "Beta", "Gamma"]);
    expect((await runCli(args(), { env })).code).toBe(0);
    const em = emulator as Emulator;
    expect(submits(em)).toHaveLength(6);
    const before = em.requests.length;

    const again = await runCli(args(), { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("6 jobs: 0 succeeded, 6 up to date, 0 failed");
    expect(em.requests.length - before).toBe(0);
    const rep = await report(out);
    expect(rep.totals).toMatchObject({ jobs: 6, skipped: 6, succeeded: 0, cost_usd: 0 });

    await writeFile(join(dir, "m.yaml"), manifest(["Alpha", "Beta (new colour)", "Gamma"]));
    const changed = await runCli(args(), { env });
    expect(changed.code).toBe(0);
    const sent = submits(em).slice(6);
    expect(sent).toHaveLength(2);
    const rep2 = await report(out);
    expect(rep2.jobs.filter((j) => j.status === "succeeded").map((j) => j.id)).toEqual([
      "S2-square",
      "S2-wide",
    ]);
    expect(rep2.totals).toMatchObject({ succeeded: 2, skipped: 4 });
  });

  it("uploads an input once across runs while fal still serves it", async () => {
    const { dir, args, env } = await setUp(["Alpha"]);
    expect((await runCli(args(), { env })).code).toBe(0);
    const em = emulator as Emulator;
    const uploads = () => em.requests.filter((r) => r.op === "upload-initiate").length;
    expect(uploads()).toBe(1);
    // A changed row makes new jobs; their input file is already on fal.
    await writeFile(join(dir, "m.yaml"), manifest(["Alpha, again"]));
    expect((await runCli(args(), { env })).code).toBe(0);
    expect(submits(em)).toHaveLength(4);
    expect(uploads()).toBe(1);
    expect(em.requests.filter((r) => r.op === "file" && r.method === "HEAD")).toHaveLength(1);
  });

  it("a second run on the same output folder exits 75 naming the holder", async () => {
    const { args, env } = await setUp(["Alpha"], { inferenceMs: "hold" });
    const first = startCli(args(), { env });
    const em = emulator as Emulator;
    await until(() => submits(em).length >= 1, "the first run to submit");
    const second = await runCli(args(), { env });
    expect(second.code).toBe(75);
    // It wrote no report or gallery, so it names none.
    expect(second.stdout).toBe("");
    // Besides the run's first log line (version, manifest, output, target: JSON for cron), one
    // message for a person.
    const [first_line, ...said] = second.stderr.split("\n");
    expect(JSON.parse(first_line ?? "")).toMatchObject({
      msg: "seedream-pipeline run",
      version: expect.any(String),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(said.join("\n")).toMatch(
      /^seedream-pipeline: another run holds .*durable \(pid \d+ on .+, running since .+\); try again when it ends\n$/,
    );
    expect(submits(em)).toHaveLength(2);
    em.release();
    em.release();
    expect((await first.done).code).toBe(0);
  });

  it("SIGTERM mid-run exits 143 with the report marked interrupted; the next run finishes without a second submit", async () => {
    const { out, args, env } = await setUp(["Alpha", "Beta", "Gamma"], {
      inferenceMs: "hold",
      concurrency: 2,
    });
    const run = startCli(args("-c", "2"), { env });
    const em = emulator as Emulator;
    await until(() => submits(em).length >= 2, "two submits");
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(143);
    // No job finished: no milestone may claim otherwise.
    expect(r.stderr).not.toContain("milestone");
    const rep = await report(out);
    expect(rep.run.ended_by).toBe("interrupted");
    expect(rep.totals).toMatchObject({ jobs: 6, succeeded: 0, not_run: 6 });
    expect(
      rep.jobs
        .filter((j) => j.request_id)
        .map((j) => j.request_id)
        .sort(),
    ).toEqual(
      submits(em)
        .map((s) => s.requestId)
        .sort(),
    );
    // fal finishes the two requests while no run is there; the next run re-attaches to them.
    em.release();
    em.release();
    expect((await finishReleasing(startCli(args("-c", "2"), { env }), em)).code).toBe(0);
    const all = submits(em).map((s) => s.requestId);
    expect(all).toHaveLength(6);
    expect(new Set(all).size).toBe(6);
    expect((await report(out)).totals).toMatchObject({ succeeded: 6 });
  });

  it("stops at the budget with exit 3, never over the cap", async () => {
    const { out, args, env } = await setUp(["A", "B", "C", "D"], {}, "max_cost_usd: 0.1\n");
    const r = await runCli(args("-c", "4"), { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("seedream-pipeline: the budget is spent: 6 jobs not run\n");
    const rep = await report(out);
    expect(rep.run.ended_by).toBe("budget");
    expect(rep.totals).toMatchObject({ jobs: 8, succeeded: 2, not_run: 6, cost_usd: 0.08 });
    expect(submits(emulator as Emulator)).toHaveLength(2);
  });

  it("an expired request id (fal forgot it) is sent again once, and the report says so", async () => {
    const { out, args, env } = await setUp(["Alpha"], { inferenceMs: "hold" });
    const run = startCli(args("-c", "1"), { env });
    const em = emulator as Emulator;
    await until(() => submits(em).length >= 1, "a submit");
    run.child.kill("SIGINT");
    expect((await run.done).code).toBe(130);
    const first = submits(em)[0]?.requestId ?? "";
    // fal finished it and, a night later, no longer knows it.
    em.release(first);
    await until(
      () => em.stats().requests.some((q) => q.id === first && q.outcome === "ok"),
      "the request to finish",
    );
    expect(em.forget(first)).toBe(true);
    expect((await finishReleasing(startCli(args("-c", "1"), { env }), em)).code).toBe(0);
    const rep = await report(out);
    const expired = rep.jobs.find((j) => j.attempts?.some((a) => a.request_id === first));
    expect(expired?.attempts?.map((a) => [a.request_id === first, a.outcome, a.cause])).toEqual([
      [true, "resubmitted", "fal no longer knows this request (expired); sent a new one"],
      [false, "succeeded", undefined],
    ]);
    expect(expired?.history?.map((h) => h.status)).toEqual([
      "submitting",
      "submitted",
      "expired",
      "submitting",
      "submitted",
      "completed",
      // fal's part ends when the image is kept; it is rendered apart from the original.
      "kept",
      "done",
      "image",
    ]);
    expect(submits(em)).toHaveLength(3);
  });

  it("a result fetched but not kept, gone at fal since, is sent again with its inputs uploaded", async () => {
    const { out, args, env } = await setUp(["Alpha"]);
    expect((await runCli(args("--no-render"), { env })).code).toBe(0);
    const em = emulator as Emulator;
    const journal = join(out, "durable", ".state", "journal.jsonl");
    // What a kill between fetching the result and keeping its image leaves: the lines up to
    // `completed`, no original, no output; and a night later fal has forgotten the request.
    const lines = (await readFile(journal, "utf8")).split("\n").filter((l) => l !== "");
    const cut = lines.findIndex((l) => (JSON.parse(l) as { type: string }).type === "completed");
    const request = (JSON.parse(lines[cut] ?? "{}") as { request: string }).request;
    await writeFile(journal, `${lines.slice(0, cut + 1).join("\n")}\n`);
    await rm(join(out, "durable", ".state", "originals"), { recursive: true, force: true });
    expect(em.forget(request)).toBe(true);
    const again = await runCli(args(), { env });
    expect(again.stderr).not.toContain("were not uploaded");
    expect(again.code).toBe(0);
    const rep = await report(out);
    expect(rep.jobs.map((j) => [j.id, j.status])).toEqual([
      ["S1-square", "succeeded"],
      ["S1-wide", "succeeded"],
    ]);
    expect(submits(em)).toHaveLength(3);
  });

  it("removes the temporary files a killed run left, and keeps what it wrote", async () => {
    const { out, args, env } = await setUp(["Alpha"]);
    expect((await runCli(args(), { env })).code).toBe(0);
    await writeFile(join(out, "durable", "S1", "S1-square-1.png.1234567"), "half an image");
    await writeFile(join(out, "durable", "report.json.987654"), "{");
    expect((await runCli(args(), { env })).code).toBe(0);
    const files = await readdir(join(out, "durable"), { recursive: true });
    expect(files.filter((f) => /\.\d+$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith("S1/") && f.endsWith(".png")).sort()).toEqual([
      "S1/S1-square-1.png",
      "S1/S1-wide-1.png",
    ]);
  });

  it("re-runs failed jobs only with --retry-failed", async () => {
    const { args, env } = await setUp(["Alpha", "forbidden thing"], { blockedWords: ["forbidden"] });
    expect((await runCli(args(), { env })).code).toBe(1);
    const em = emulator as Emulator;
    expect(submits(em)).toHaveLength(4);
    const again = await runCli(args(), { env });
    expect(again.code).toBe(1);
    expect(submits(em)).toHaveLength(4);
    const retried = await runCli(args("--retry-failed"), { env });
    expect(retried.stdout).toContain("2 jobs: 0 succeeded, 2 failed");
    expect(submits(em)).toHaveLength(6);
  });
});
