import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();
const tempDir = useTempDirs();
const KEY = "sk-upload-outage";

describe("fal unreachable during the input upload (#24)", () => {
  it.each(["refuse", "503"] as const)(
    "%s: sends nothing, leaves the jobs for the next run, which uploads and sends each once",
    async (kind) => {
      const dir = await tempDir();
      for (const i of [1, 2, 3, 4]) await writePng(join(dir, `in${i}.png`), 64, 48, `#33669${i}`);
      const rows = [1, 2, 3, 4].map((i) => `  - { sku: S${i}, image: ./in${i}.png }`).join("\n");
      await writeFile(
        join(dir, "m.yaml"),
        `name: up\nmodel: seedream-v4.5\nprompts: { p: "Product {{sku}}." }\nsizes: { s: square }\nrows:\n${rows}\njobs: [{ id: "{{sku}}", prompt: p, images: ["{{image}}"] }]\n`,
      );
      const emulator = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 5 });
      const run = () =>
        runCli(
          [
            "run",
            join(dir, "m.yaml"),
            "-o",
            join(dir, "out"),
            "--fal-base-url",
            emulator.url,
            "--retry-backoff",
            "20ms",
            "--outage-timeout",
            "1s",
          ],
          { env: { FAL_KEY: KEY } },
        );
      emulator.outage({ kind });
      const away = await run();
      const submits = () => emulator.requests.filter((r) => r.op === "submit" && r.status < 300).length;
      expect([away.code, submits()], away.stderr).toEqual([69, 0]);
      await emulator.endOutage();
      const back = await run();
      expect([back.code, back.stdout.split("\n")[0], submits()], back.stderr).toEqual([
        0,
        "4 jobs: 4 succeeded, 0 failed",
        4,
      ]);
    },
    120_000,
  );
});
