import { execFileSync, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePng } from "../helpers/images.js";
import { BIN } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

/** Prints the peak RSS (KB) on stderr as the process exits: the memory a command reached. */
const PEAK = `data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kb="+process.resourceUsage().maxRSS+"\\n"))`;

interface Validated {
  readonly code: number | null;
  readonly lines: string[];
  readonly peakMb: number;
}

/** Runs `validate` on the built CLI; its lines on stderr (without the peak line) and its peak RSS. */
function validate(args: readonly string[], cwd: string): Promise<Validated> {
  const child = spawn(process.execPath, ["--import", PEAK, BIN, "validate", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stderr.split("\n").filter((l) => l !== "");
      const peak = lines.find((l) => l.startsWith("peak-rss-kb="));
      resolve({
        code,
        lines: lines.filter((l) => l !== peak),
        peakMb: Number(peak?.slice("peak-rss-kb=".length)) / 1024,
      });
    });
  });
}

// The bounds are several times what these take (160–220 MB measured, most of it the CLI itself; 290 MB with the 60 MB cell) and far under what
// they took before the caps (the 200 MB cell: 1 GB; /dev/zero: 5.3 GB, or a hang on a FIFO).
describe("hostile inputs to validate: one short error each, in bounded memory (#24)", () => {
  it("a CSV of a million columns", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "wide.csv"),
      `id,prompt,image_urls${",x".repeat(1_000_000)}\nj1,hi,https://img.example/1.png\n`,
    );
    const r = await validate(["wide.csv", "--model", "seedream-v4.5"], dir);
    expect([r.code, r.lines]).toEqual([
      2,
      [
        "seedream-pipeline: wide.csv:1:1: CSV: the header has 1000003 columns; at most 1000 are read (check the field separator)",
      ],
    ]);
    expect(r.peakMb).toBeLessThan(400);
  });

  it("a 60 MB cell, and a 200 MB rows file", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "cell.csv"),
      `id,prompt,image_urls\nj1,"${"x".repeat(60 * 1024 * 1024)}",https://img.example/1.png\n`,
    );
    const cell = await validate(["cell.csv", "--model", "seedream-v4.5"], dir);
    expect([cell.code, cell.lines]).toEqual([
      2,
      [
        "seedream-pipeline: cell.csv:2:1: CSV: a record is over 1048576 characters (is a quote left open, or a cell pasted by mistake?)",
      ],
    ]);
    expect(cell.peakMb).toBeLessThan(600);
    // Over the file cap: refused on its size, before it is read.
    await writeFile(
      join(dir, "big.csv"),
      `id,prompt,image_urls\nj1,"${"x".repeat(200 * 1024 * 1024)}",https://img.example/1.png\n`,
    );
    const big = await validate(["big.csv", "--model", "seedream-v4.5"], dir);
    expect([big.code, big.lines]).toEqual([
      2,
      ["seedream-pipeline: big.csv:1:1: big.csv is over the 128 MiB limit"],
    ]);
    expect(big.peakMb).toBeLessThan(400);
  });

  it("row images /dev/zero, /dev/urandom and a FIFO", async () => {
    const dir = await tempDir();
    await writePng(join(dir, "a.png"), 64, 48);
    execFileSync("mkfifo", [join(dir, "pipe.png")]);
    await writeFile(join(dir, "rows.csv"), "sku,image\nA1,/dev/zero\nA2,/dev/urandom\nA3,pipe.png\n");
    await writeFile(
      join(dir, "m.yaml"),
      'name: dev\nmodel: seedream-v4.5\nimages: { a: ./a.png }\nprompts: { p: hi }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, images: [a, "{{image}}"] }\n',
    );
    const r = await validate(["m.yaml"], dir);
    expect([r.code, r.lines]).toEqual([
      2,
      [
        "seedream-pipeline: rows.csv:2:2: image: /dev/zero is not a regular file (a device, FIFO or socket)",
        "seedream-pipeline: rows.csv:3:2: image: /dev/urandom is not a regular file (a device, FIFO or socket)",
        `seedream-pipeline: rows.csv:4:2: image: ${join(dir, "pipe.png")} is not a regular file (a device, FIFO or socket)`,
      ],
    ]);
    expect(r.peakMb).toBeLessThan(400);
  });
});
