import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A process whose files may not grow past 1 KiB (`ulimit -f`): the write that crosses the limit
 * takes part of its bytes (a short write, as on a disk filling up), the next one fails (EFBIG).
 * It appends 100-byte lines with `writeAllSync` until one fails, then one more after it.
 */
const APPEND = `
import { openSync } from "node:fs";
import { writeAllSync } from ${JSON.stringify(join(root, "src/files/write-file.ts"))};
process.on("SIGXFSZ", () => {});
const path = process.argv[2];
const fd = openSync(path, "a");
const line = (i) => String(i).padStart(99, "x") + "\\n";
let failed;
for (let i = 0; failed === undefined && i < 100; i++)
  try { writeAllSync(fd, line(i), path); } catch (e) { failed = e.code; }
console.log(failed);
`;

describe("writeAllSync on a file that fills up", () => {
  it("leaves whole lines only: the part of a line a short write took is cut back", async () => {
    const dir = await tempDir();
    const script = join(dir, "append.ts");
    await writeFile(script, APPEND);
    const file = join(dir, "decisions.jsonl");
    const failed = execFileSync(
      "sh",
      ["-c", 'ulimit -f 2; exec "$0" "$@"', join(root, "node_modules/.bin/jiti"), script, file],
      {
        env: { ...process.env, JITI_FS_CACHE: "false" },
        encoding: "utf8",
      },
    ).trim();
    expect(failed).toBe("EFBIG");
    const text = await readFile(file, "utf8");
    // Before: 1024 bytes, the eleventh line cut at 24 bytes, where the next append would glue on.
    expect(text.length % 100).toBe(0);
    expect(text.endsWith("\n")).toBe(true);
  });
});
