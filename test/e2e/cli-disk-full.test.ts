import { execFileSync } from "node:child_process";
import { closeSync, openSync, truncateSync, writeSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli, startCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();
const tempDir = useTempDirs();
const KEY = "sk-disk-full";
const JOBS = 60;
const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync("umount", [dir], { stdio: "ignore" });
});

/** Fills the disk holding `dir` to its last page (a file of its own, removed to make room again). */
function fill(dir: string): void {
  const fd = openSync(join(dir, "filler"), "a");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (const size of [64 * 1024, 4096, 1])
      try {
        for (;;) writeSync(fd, chunk, 0, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
  } finally {
    closeSync(fd);
  }
}

/** Each JSON file the run left parses (report.json and runs/*.json may be absent, never torn). */
async function jsonFilesWhole(folder: string): Promise<number> {
  let parsed = 0;
  const files = await readdir(folder).catch(() => [] as string[]);
  const paths = [
    ...(files.includes("report.json") ? [join(folder, "report.json")] : []),
    ...(await readdir(join(folder, "runs")).catch(() => [] as string[])).map((f) => join(folder, "runs", f)),
  ];
  for (const p of paths) {
    JSON.parse(await readFile(p, "utf8"));
    parsed += 1;
  }
  return parsed;
}

/**
 * A night of 60 jobs on an 8 MB tmpfs that fills at a known point: once ten submits were
 * accepted, fal's answers are held until both of the run's two slots wait on one, so no
 * other submit is on its way; then the disk is filled to its last page (with the journal's
 * reserve spent first, when `spendReserve`) and the answers go. The run then meets the full disk
 * with fal's answers to two paid requests in hand.
 */
async function nightOnAFillingDisk(spendReserve: boolean) {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 64, 48, "#8899aa");
  const rows = Array.from({ length: JOBS }, (_, i) => `  - { sku: S${i} }`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: nightly\nmodel: seedream-v4.5\nimages: { studio: ./studio.png }\nprompts: { p: "Item {{sku}}." }\nsizes: { s: square }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: p, images: [studio] }]\n`,
  );
  const emulator = await emulators.start({
    apiKeys: [KEY],
    render: "fast",
    inferenceMs: 5,
    // fal's URLs for each request this long make its `submitted` line longer than a page: on a
    // full disk it can never slip into the room left in the journal's last page.
    queuePathPrefix: `/q/${"x".repeat(1500)}`,
  });
  const out = join(dir, "out");
  await mkdir(out);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", out]);
  mounted.push(out);
  const args = ["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", emulator.url, "--concurrency", "2"];
  const env = { env: { FAL_KEY: KEY } };
  const folder = join(out, "nightly");
  const accepted = () => emulator.requests.filter((r) => r.op === "submit" && r.status < 300);

  const night = startCli(args, env);
  await emulator.waitFor((s) => s.submits.accepted >= 10);
  emulator.setFaults({ delaySubmitAnswerMs: "hold" });
  const heldFrom = emulator.stats().submits.accepted;
  await emulator.waitFor((s) => s.submits.accepted >= heldFrom + 2);
  if (spendReserve) truncateSync(join(folder, ".state", "journal.reserve"), 0);
  fill(out);
  emulator.setFaults({});
  expect(emulator.releaseSubmitAnswers()).toBe(2);
  const full = await night.done;
  const sent = accepted().map((r) => r.requestId ?? "");
  const held = sent.slice(heldFrom);
  const journal = await readFile(join(folder, ".state", "journal.jsonl"), "utf8");
  // Every line whole: no line torn by the full disk (the next run would refuse a torn one midway).
  for (const line of journal.trimEnd().split("\n")) JSON.parse(line);
  const printed = full.stderr
    .split("\n")
    .filter((l) => l.includes("not journaled"))
    .map((l) => JSON.parse(l) as { job: string; requestId: string; endpoint: string });
  const reports = await jsonFilesWhole(folder);

  await rm(join(out, "filler"));
  const again = await runCli(args, env);
  return { full, sent, held, journal, printed, reports, again, emulator, folder };
}

/** The one line a run that met the full disk ends with (the report's writer names no file). */
const CAUSE =
  /^seedream-pipeline: cannot write (\/\S+|the output folder): no space left on the device \(ENOSPC\): the run stopped, and the next run picks up from the journal$/;

describe.skipIf(process.getuid?.() !== 0)("a disk that fills during the night (#24)", () => {
  it("with the journal's reserve: the full disk stops the submits at once, every request fal took is journaled, and the next run with room pays for none twice", async () => {
    const n = await nightOnAFillingDisk(false);
    const said = n.full.stderr.split("\n").filter((l) => l.startsWith("seedream-pipeline: "));
    expect([n.full.code, said.length], n.full.stderr).toEqual([73, 1]);
    expect(said[0]).toMatch(CAUSE);
    // Nothing was submitted once the disk was full: the two answers held were the last sends.
    expect(n.sent).toHaveLength(12);
    expect(n.held).toHaveLength(2);
    // The reserve gave the lines in flight their room: every request fal took is in the journal.
    for (const id of n.sent) expect(n.journal).toContain(`"request":"${id}"`);
    expect(n.printed).toEqual([]);
    expect(n.again.code, n.again.stderr).toBe(0);
    expect(n.again.stdout.split("\n")[0]).toMatch(/^60 jobs: \d+ succeeded, \d+ up to date, 0 failed$/);
    // Across both runs, each job was paid for once: 60 submits, no body sent twice.
    const { submits } = n.emulator.stats();
    expect([submits.accepted, submits.duplicates]).toEqual([JOBS, 0]);
    expect(await jsonFilesWhole(n.folder)).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it("with the reserve spent too: the request ids fal gave that the journal could not take are printed, and the next run finds them in fal's history instead of paying again", async () => {
    const n = await nightOnAFillingDisk(true);
    const said = n.full.stderr.split("\n").filter((l) => l.startsWith("seedream-pipeline: "));
    expect([n.full.code, said.length], n.full.stderr).toEqual([73, 1]);
    expect(said[0]).toMatch(CAUSE);
    expect(n.sent).toHaveLength(12);
    // The two answers that came with the disk full: neither is journaled; both are printed,
    // one line each, with the job and the endpoint (and nothing else is printed twice).
    for (const id of n.held) expect(n.journal).not.toContain(id);
    for (const p of n.printed)
      expect(p).toEqual({
        job: expect.stringMatching(/^S\d+-s$/),
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        endpoint: "fal-ai/bytedance/seedream/v4.5/edit",
        line: expect.any(String),
        level: 50,
        time: expect.any(String),
        msg: expect.stringMatching(/^not journaled: /),
      });
    const printed = new Set(n.printed.map((p) => p.requestId));
    expect(printed.size).toBe(n.printed.length);
    for (const id of n.held) expect(printed.has(id), id).toBe(true);
    // Every request fal took is in the journal, or printed.
    for (const id of n.sent)
      expect(n.journal.includes(`"request":"${id}"`) || printed.has(id), id).toBe(true);
    expect(n.again.code, n.again.stderr).toBe(0);
    expect(n.again.stdout.split("\n")[0]).toMatch(/^60 jobs: \d+ succeeded, \d+ up to date, 0 failed$/);
    const { submits } = n.emulator.stats();
    expect([submits.accepted, submits.duplicates]).toEqual([JOBS, 0]);
  }, 180_000);
});
