import { spawnSync } from "node:child_process";
import { mkdir, open, readdir, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  makeFolder,
  openAppendSync,
  openFile,
  readTextFile,
  writeFileAtomic,
} from "../../src/files/index.js";
import { tempName, type WritableFile, writeAll } from "../../src/files/write-file.js";
import { cleanTempFiles } from "../../src/outputs/index.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

const refusal = (path: string, target: string, want = "file") =>
  `${path} is a symbolic link (to ${target}): seedream-pipeline never reads or writes its own files through links; put the ${want} itself there, or remove it`;

/** A folder with an output folder `out/` and a file outside it holding "precious". */
async function setup() {
  const dir = await tempDir();
  const out = join(dir, "out");
  await mkdir(join(out, ".state"), { recursive: true });
  const outside = join(dir, "outside");
  await mkdir(outside);
  const victim = join(outside, "victim.json");
  await writeFile(victim, "precious\n");
  return { dir, out, outside, victim };
}

describe("writeFileAtomic", () => {
  it("refuses a target that is a symbolic link, naming it; the link's target is untouched and no temporary file is left", async () => {
    const { out, victim } = await setup();
    const path = join(out, ".state", "prices.json");
    await symlink(victim, path);
    await expect(writeFileAtomic(path, "{}\n")).rejects.toMatchObject({
      code: "STATE_UNTRUSTED",
      message: refusal(path, victim),
    });
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    expect(await readlink(path)).toBe(victim);
    expect(await readdir(join(out, ".state"))).toEqual(["prices.json"]);
  });

  it("refuses a linked folder between the output folder and the file; nothing is written in the folder it points to", async () => {
    const { out, outside } = await setup();
    await symlink(outside, join(out, "runs"));
    const path = join(out, "runs", "r1.json");
    await expect(writeFileAtomic(path, "{}\n", { within: out })).rejects.toMatchObject({
      code: "STATE_UNTRUSTED",
      message: refusal(join(out, "runs"), outside, "folder"),
    });
    expect(await readdir(outside)).toEqual(["victim.json"]);
    // The output folder itself may be a link (a bigger disk): it is where the check starts.
    const linkedOut = join(outside, "out-link");
    await symlink(out, linkedOut);
    await writeFileAtomic(join(linkedOut, "report.json"), "{}\n", { within: linkedOut });
    expect(await readFile(join(out, "report.json"), "utf8")).toBe("{}\n");
  });

  it("replaces an existing file in one rename: a reader holding the old file reads it whole, a new one the new file", async () => {
    const { out } = await setup();
    const path = join(out, "report.json");
    const old = `${"o".repeat(100_000)}\n`;
    await writeFile(path, old);
    const before = await stat(path);
    const held = await open(path, "r");
    try {
      const lines = ["{", ...Array.from({ length: 50_000 }, (_, i) => `"line ${i}",`), "}\n"];
      await writeFileAtomic(
        path,
        lines.map((l) => `${l}\n`),
        { within: out, syncFolder: true },
      );
      expect(await held.readFile("utf8")).toBe(old);
      expect(await readFile(path, "utf8")).toBe(lines.map((l) => `${l}\n`).join(""));
      expect((await stat(path)).ino).not.toBe(before.ino);
      expect(await readdir(out)).toEqual([".state", "report.json"]);
    } finally {
      await held.close();
    }
  });

  it("makes missing folders, and writes bytes, text and chunks alike", async () => {
    const { out } = await setup();
    const path = join(out, "a", "b", "c.png");
    await writeFileAtomic(path, Buffer.from([1, 2, 3]), { within: out, fsync: false });
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    async function* parts() {
      yield "x";
      yield Buffer.from("y");
    }
    await writeFileAtomic(path, parts(), { within: out });
    expect(await readFile(path, "utf8")).toBe("xy");
  });

  it("a write that fails midway removes its temporary file and leaves the target as it was", async () => {
    const { out } = await setup();
    const path = join(out, "report.json");
    await writeFile(path, "old\n");
    function* failing() {
      yield "half of a report";
      throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    }
    await expect(writeFileAtomic(path, failing(), { within: out })).rejects.toMatchObject({ code: "ENOSPC" });
    expect(await readFile(path, "utf8")).toBe("old\n");
    expect(await readdir(out)).toEqual([".state", "report.json"]);
  });

  it("its temporary names are the ones cleanTempFiles removes after a killed run (the journal's included)", async () => {
    const { out } = await setup();
    const targets = [
      join(out, "report.json"),
      join(out, "runs", "2026-12-07T05-00-00Z.json"),
      join(out, ".state", "journal.jsonl"),
      join(out, ".state", "originals", `${"a".repeat(64)}.png`),
      join(out, "S1.webp"),
      join(out, ".gallery", "data", "page-1.js"),
    ];
    // Left by processes that are gone: one of this version (its pid and a count), one older.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const temps = targets.map((t, i) => (i === 0 ? `${t}.1234567` : `${t}.${dead}-${i}`));
    expect(tempName(targets[1] ?? "")).toMatch(new RegExp(`\\.json\\.${process.pid}-\\d+$`));
    for (const [i, t] of targets.entries()) {
      await mkdir(join(t, ".."), { recursive: true });
      await writeFile(t, "kept");
      await writeFile(temps[i] ?? "", "left by a killed run");
    }
    expect(await cleanTempFiles(out)).toBe(targets.length);
    const left = (await readdir(out, { recursive: true })).map((n) => join(out, n));
    expect(targets.filter((t) => !left.includes(t))).toEqual([]);
    expect(temps.filter((t) => left.includes(t))).toEqual([]);
  });
});

describe("writeAll", () => {
  /** A file that takes at most `takes[i]` bytes on its i-th write (then none). */
  function file(takes: number[]): WritableFile & { got: number[] } {
    const got: number[] = [];
    let calls = 0;
    return {
      got,
      async write(buffer, offset, length) {
        const n = Math.min(takes[calls++] ?? 0, length);
        got.push(...buffer.subarray(offset, offset + n));
        return { bytesWritten: n };
      },
    };
  }

  it("writes the rest after a short write, and a write that takes nothing is an error (never a file that ends short)", async () => {
    const bytes = Buffer.from([1, 2, 3, 4, 5]);
    const partial = file([2, 1, 2]);
    await writeAll(partial, bytes, "/x/report.json");
    expect(partial.got).toEqual([1, 2, 3, 4, 5]);
    const stuck = file([3]);
    await expect(writeAll(stuck, bytes, "/x/report.json")).rejects.toMatchObject({
      code: "EIO",
      path: "/x/report.json",
      message: "short write to /x/report.json: 3 of 5 bytes written, then none",
    });
  });
});

describe("opening state without following links", () => {
  it("openFile, readTextFile and openAppendSync refuse a link, naming it; a missing file reads as undefined", async () => {
    const { out, victim } = await setup();
    const path = join(out, ".state", "journal.jsonl");
    expect(await readTextFile(path)).toBeUndefined();
    await symlink(victim, path);
    const refused = { code: "STATE_UNTRUSTED", message: refusal(path, victim) };
    await expect(openFile(path, "read")).rejects.toMatchObject(refused);
    await expect(openFile(path, "append")).rejects.toMatchObject(refused);
    await expect(readTextFile(path)).rejects.toMatchObject(refused);
    expect(() => openAppendSync(path)).toThrow(refused.message);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("openFile and makeFolder refuse a linked folder below the output folder", async () => {
    const { out, outside } = await setup();
    await symlink(outside, join(out, ".state", "originals"));
    const refused = {
      code: "STATE_UNTRUSTED",
      message: refusal(join(out, ".state", "originals"), outside, "folder"),
    };
    await expect(
      openFile(join(out, ".state", "originals", "victim.json"), "read", { within: out }),
    ).rejects.toMatchObject(refused);
    await expect(makeFolder(join(out, ".state", "originals"), out)).rejects.toMatchObject(refused);
    await expect(makeFolder(join(out, ".state", "originals", "x"), out)).rejects.toMatchObject(refused);
    expect(await readdir(outside)).toEqual(["victim.json"]);
  });
});

describe("cleanTempFiles and a write in flight", () => {
  it("keeps the temporary file of a live writer (a render shard, the review app): its write still lands", async () => {
    const { out } = await setup();
    const path = join(out, "S1", "S1-square-1.png");
    let resume: () => void = () => {};
    const paused = new Promise<void>((r) => {
      resume = r;
    });
    let started: () => void = () => {};
    const begun = new Promise<void>((r) => {
      started = r;
    });
    async function* slowly() {
      yield "first half, ";
      started();
      await paused;
      yield "second half";
    }
    const writing = writeFileAtomic(path, slowly(), { within: out });
    await begun;
    // A run starting on the folder meanwhile cleans up what killed runs left.
    expect(await cleanTempFiles(out)).toBe(0);
    resume();
    await writing;
    expect(await readFile(path, "utf8")).toBe("first half, second half");
  });
});
