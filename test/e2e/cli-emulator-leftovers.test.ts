import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePng } from "../helpers/images.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

/**
 * An `--emulator` run stopped before its end leaves requests journaled at an emulator that died
 * with it; the next `--emulator` run has a new emulator on another port. Those requests are not
 * servable there: the jobs are sent again, not failed, canceled or held in doubt.
 */

const tempDir = useTempDirs();

async function manifest(rows: number) {
  const dir = await tempDir();
  await writePng(join(dir, "studio.png"), 64, 48, "#8899aa");
  const list = Array.from({ length: rows }, (_, i) => `{ sku: S${i + 1} }`).join(", ");
  await writeFile(
    join(dir, "m.yaml"),
    `name: leftovers
model: seedream-v4.5
images: { studio: ./studio.png }
prompts: { hero: "The {{sku}} in the studio of Figure 1." }
sizes: { square: square_hd }
rows: [${list}]
jobs: [{ id: "{{sku}}", prompt: hero, images: [studio] }]
`,
  );
  const out = join(dir, "out");
  const folder = join(out, "leftovers");
  return { path: join(dir, "m.yaml"), out, folder, journal: join(folder, ".state", "journal.jsonl") };
}

type Line = { type: string; key?: string; job?: string };
const linesOf = (text: string): Line[] =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);

type Report = { jobs: Array<{ id: string; status: string }> };
const statuses = async (folder: string) =>
  ((JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report).jobs ?? []).map((j) => [
    j.id,
    j.status,
  ]);

const LEFT =
  /(\d) jobs? (was|were) left unfinished by an earlier --emulator run, whose emulator is gone; sending (it|them) to this one/;

describe("leftovers of a stopped --emulator run", () => {
  it("a run SIGKILLed with requests at its emulator: the next --emulator run sends them to its own", async () => {
    const m = await manifest(2);
    // Real-time inference (scale 1): the requests are still running at the emulator when killed.
    const first = startCli(["run", m.path, "-o", m.out, "--emulator", "--emulator-time-scale", "1"]);
    const submitted = () => {
      try {
        return linesOf(readFileSync(m.journal, "utf8")).filter((l) => l.type === "submitted").length;
      } catch {
        return 0;
      }
    };
    await until(() => submitted() === 2, "both submits journaled", 60_000);
    first.child.kill("SIGKILL");
    await first.done;
    expect(linesOf(await readFile(m.journal, "utf8")).filter((l) => l.type === "completed")).toEqual([]);

    const second = await runCli(["run", m.path, "-o", m.out, "--emulator"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("2 jobs: 2 succeeded, 0 failed");
    expect(second.stderr.match(LEFT)?.[1]).toBe("2");
    // Not asked of the new emulator as if it knew them, nor of the dead one's port.
    expect(second.stderr).not.toContain("fal no longer");
    expect(second.stderr).not.toContain("cached upload");
    expect(await statuses(m.folder)).toEqual([
      ["S1-square", "succeeded"],
      ["S2-square", "succeeded"],
    ]);
  });

  it("a kill in each phase (submit in doubt, submitted, result fetched): every job is made, none waits", async () => {
    const m = await manifest(3);
    const first = await runCli(["run", m.path, "-o", m.out, "--emulator"]);
    expect(first.code).toBe(0);
    // What a kill leaves: each job's lines up to its phase (S1 in doubt, S2 submitted, S3 completed).
    const cut: Record<string, string> = {
      "S1-square": "submitting",
      "S2-square": "submitted",
      "S3-square": "completed",
    };
    const jobOf = new Map<string, string>();
    const kept: string[] = [];
    const done = new Set<string>();
    for (const text of (await readFile(m.journal, "utf8")).split("\n").filter((l) => l !== "")) {
      const line = JSON.parse(text) as Line;
      if (line.key !== undefined && line.job !== undefined) jobOf.set(line.key, line.job);
      const job = line.key === undefined ? undefined : jobOf.get(line.key);
      if (job === undefined) {
        if (line.key === undefined) kept.push(text);
        continue;
      }
      if (done.has(job)) continue;
      kept.push(text);
      if (line.type === cut[job]) done.add(job);
    }
    expect([...done].sort()).toEqual(["S1-square", "S2-square", "S3-square"]);
    await writeFile(m.journal, `${kept.join("\n")}\n`);
    for (const sku of ["S1", "S2", "S3"]) await writeFile(join(m.folder, `${sku}-square-1.png`), "");

    const second = await runCli(["run", m.path, "-o", m.out, "--emulator"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("3 jobs: 3 succeeded, 0 failed");
    expect(second.stderr.match(LEFT)?.[1]).toBe("3");
    expect(second.stderr).not.toContain("in doubt, being reconciled");
    expect(await statuses(m.folder)).toEqual([
      ["S1-square", "succeeded"],
      ["S2-square", "succeeded"],
      ["S3-square", "succeeded"],
    ]);
  });
});
