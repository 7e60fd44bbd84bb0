import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { serveFiles } from "../helpers/static-server.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-state-folder";
const tempDir = useTempDirs();
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const sha = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

/** Six jobs, run once to the end: the folder a tampering starts from. */
async function firstNight() {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 400, 300, "#8899aa");
  const rows = [1, 2, 3, 4, 5, 6].map((i) => `  - { sku: S${i}, name: item${i} }`).join("\n");
  await writeFile(
    join(dir, "m.yaml"),
    `name: nightly\nmodel: seedream-v4.5\nimages: { studio: ./studio.png }\nprompts: { hero: "The {{name}} in Figure 1." }\nsizes: { square: square_hd }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]\n`,
  );
  const em = await startEmulator({ apiKeys: [KEY], render: "fast", inferenceMs: 5 });
  emulator = em;
  const out = join(dir, "out");
  const folder = join(out, "nightly");
  const journal = join(folder, ".state", "journal.jsonl");
  const run = (...more: string[]) =>
    runCli(["run", join(dir, "m.yaml"), "-o", out, "--fal-base-url", em.url, ...more], {
      env: { FAL_KEY: KEY },
    });
  const sent = () => em.requests.filter((r) => r.op === "submit").length;
  const first = await run();
  expect([first.code, sent()]).toEqual([0, 6]);
  const lines = async () => (await readFile(journal, "utf8")).split("\n").filter((l) => l !== "");
  return { dir, folder, journal, run, sent, lines, emulator: em };
}

/** The CLI's last line on stderr (the run's first log line comes before it). */
const lastLine = (text: string) => text.trim().split("\n").at(-1);

const UP_TO_DATE = "6 jobs: 0 succeeded, 6 up to date, 0 failed";

describe("a tampered state folder (#24)", () => {
  it("a symlink for the journal, prices, models, uploads, review decisions, report.json, runs/ or originals/ stops the run, saying where; nothing is sent or written through it", async () => {
    const night = await firstNight();
    const outside = join(night.dir, "outside");
    await mkdir(outside);
    const victim = join(outside, "victim.txt");
    for (const [rel, kind] of [
      [".state/journal.jsonl", "file"],
      [".state/prices.json", "file"],
      [".state/models.json", "file"],
      [".state/uploads.json", "file"],
      [".state/review/decisions.jsonl", "file"],
      ["report.json", "file"],
      ["runs", "folder"],
      [".state/originals", "folder"],
    ] as const) {
      const path = join(night.folder, rel);
      const existed = await rename(path, `${path}.real`).then(
        () => true,
        () => false,
      );
      await mkdir(join(path, ".."), { recursive: true });
      const target = kind === "file" ? victim : join(outside, "dir");
      if (kind === "file") await writeFile(victim, "precious\n");
      else await mkdir(target, { recursive: true });
      await symlink(target, path);
      const r = await night.run("--force");
      expect([r.code, lastLine(r.stderr)], rel).toEqual([
        2,
        `seedream-pipeline: ${path} is a symbolic link (to ${target}): seedream-pipeline never reads or writes its own files through links; put the ${kind} itself there, or remove it`,
      ]);
      // `--force` would have sent every job again: nothing was.
      expect(night.sent(), rel).toBe(6);
      if (kind === "file") expect(await readFile(victim, "utf8"), rel).toBe("precious\n");
      else expect(await readdir(target), rel).toEqual([]);
      await rm(path);
      if (existed) await rename(`${path}.real`, path);
    }
    const after = await night.run();
    expect([after.code, after.stdout.split("\n")[0], night.sent()]).toEqual([0, UP_TO_DATE, 6]);
  }, 120_000);

  it("a symlink for the publish state stops `publish`, saying where; the file it points to is unchanged", async () => {
    const night = await firstNight();
    const site = join(night.dir, "site");
    const publish = () => runCli(["publish", night.folder, "--to", site, "--all", "--allow-emulated"]);
    const first = await publish();
    expect(first.code, first.stderr).toBe(0);
    const names = await readdir(join(night.folder, ".state", "publish"));
    const state = join(night.folder, ".state", "publish", names.find((n) => n.endsWith(".jsonl")) ?? "");
    const victim = join(night.dir, "victim.jsonl");
    await writeFile(victim, "precious\n");
    await rm(state);
    await symlink(victim, state);
    const r = await publish();
    expect([r.code, lastLine(r.stderr)]).toEqual([
      2,
      `seedream-pipeline: ${state} is a symbolic link (to ${victim}): seedream-pipeline never reads or writes its own files through links; put the file itself there, or remove it`,
    ]);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  }, 120_000);

  it("an output image made a symlink is never written through: its render is refused naming it, the image stays kept", async () => {
    const night = await firstNight();
    const image = (await readdir(night.folder)).find((n) => n.startsWith("S1") && n.endsWith(".png")) ?? "";
    const path = join(night.folder, image);
    const victim = join(night.dir, "victim.png");
    await writeFile(victim, "precious\n");
    await rm(path);
    await symlink(victim, path);
    const r = await night.run();
    // Not the folder's state: the run goes on, and the image is left for the next run to render.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("1 delivered by fal (paid, kept) and not rendered yet");
    expect(r.stderr).toContain(
      `"cause":"${path} is a symbolic link (to ${victim}): seedream-pipeline never reads or writes its own files through links; put the file itself there, or remove it","msg":"could not render an image`,
    );
    expect([await readFile(victim, "utf8"), night.sent()]).toEqual(["precious\n", 6]);
  }, 120_000);

  it("a garbage line in the middle stops the run with exit 2 naming it, the file untouched; --repair-journal keeps every paid request", async () => {
    const night = await firstNight();
    const lines = await night.lines();
    // The `submitted` line of S3 damaged after its request id (a bad sector, a stray editor).
    const at = lines.findIndex((l) => l.includes('"type":"submitted"') && l.includes('"job":"S3'));
    const request = JSON.parse(lines[at] ?? "").request as string;
    const damaged = `${(lines[at] ?? "").slice(0, -3)}\u0000\u0000#garbage`;
    await writeFile(
      night.journal,
      `${[...lines.slice(0, at), damaged, ...lines.slice(at + 1)].join("\n")}\n`,
    );
    const before = await sha(night.journal);

    const stopped = await night.run();
    expect([stopped.code, lastLine(stopped.stderr)]).toEqual([
      2,
      `seedream-pipeline: ${night.journal}:${at + 1}: a line that is not JSON: the journal is damaged or was edited; it is left as it is and nothing was sent (run with --repair-journal to set it aside and keep every request it can read)`,
    ]);
    expect([await sha(night.journal), night.sent()]).toEqual([before, 6]);

    const repaired = await night.run("--repair-journal");
    // S3's request was read back out of the damaged line: re-attached at fal, not paid again.
    expect([repaired.code, repaired.stdout.split("\n")[0], night.sent()]).toEqual([0, UP_TO_DATE, 6]);
    const aside = (await readdir(join(night.folder, ".state"))).filter((n) =>
      n.startsWith("journal-damaged-"),
    );
    expect(aside).toHaveLength(1);
    expect(await sha(join(night.folder, ".state", aside[0] ?? ""))).toBe(before);
    expect(
      (await night.lines()).filter((l) => l.includes(request) && l.includes('"type":"submitted"')),
    ).toHaveLength(1);
  }, 120_000);

  it("a torn last line (a crash mid-write) is still cut off and the run goes on", async () => {
    const night = await firstNight();
    const text = await readFile(night.journal, "utf8");
    await writeFile(night.journal, `${text}{"t":1,"type":"do`);
    const r = await night.run();
    expect([r.code, r.stdout.split("\n")[0], night.sent()]).toEqual([0, UP_TO_DATE, 6]);
    expect((await readFile(night.journal, "utf8")).startsWith(text)).toBe(true);
  }, 120_000);

  it("forged lines are refused as fal's answers would be: no loopback fetch, no request id in a path, the real output kept", async () => {
    const night = await firstNight();
    const admin = await serveFiles({
      "/internal/admin": { body: Buffer.from("secret admin page"), type: "image/png" },
    });
    try {
      const lines = await night.lines();
      const submitted = JSON.parse(
        lines.find((l) => l.includes('"type":"submitted"') && l.includes('"job":"S2')) ?? "",
      );
      const output = join(night.folder, (await readdir(night.folder)).find((n) => n.startsWith("S2")) ?? "");
      const real = await sha(output);
      const clean = `${lines.join("\n")}\n`;
      const forgeries = [
        {
          what: "a result on another loopback port",
          line: {
            t: 9,
            type: "completed",
            key: submitted.key,
            request: submitted.request,
            result: { images: [{ url: `${admin.url}/internal/admin` }] },
          },
          reason: "a result URL fal would not send (http, not https, off fal's base URL)",
        },
        {
          what: "a request id that is a path",
          line: { ...submitted, t: 9, request: "../../../evil/x" },
          reason: 'request id "../../../evil/x" is not of fal\'s form (a UUID)',
        },
        {
          what: "an image written outside the folder",
          line: {
            t: 9,
            type: "image",
            key: submitted.key,
            request: submitted.request,
            n: 1,
            path: "../../escape.png",
            sha256: "a".repeat(64),
            original: { sha256: "a".repeat(64), ext: "png" },
            derivatives: [],
          },
          reason: "image path: `../../escape.png` leaves the output folder",
        },
      ];
      for (const f of forgeries) {
        await writeFile(night.journal, `${clean}${JSON.stringify(f.line)}\n`);
        const r = await night.run();
        expect([r.code, lastLine(r.stderr)], f.what).toEqual([
          2,
          `seedream-pipeline: ${night.journal}:${lines.length + 1}: ${f.reason}: the journal is damaged or was edited; it is left as it is and nothing was sent (run with --repair-journal to set it aside and keep every request it can read)`,
        ]);
      }
      // Repaired: the forged line is dropped; the job stays what fal made.
      const repaired = await night.run("--repair-journal");
      expect([repaired.code, repaired.stdout.split("\n")[0], night.sent()]).toEqual([0, UP_TO_DATE, 6]);
      expect([admin.hits, await sha(output)]).toEqual([[], real]);
      expect(night.emulator.requests.some((q) => q.path.includes("evil"))).toBe(false);
    } finally {
      await admin.close();
    }
  }, 120_000);
});
