import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runOnEmulator } from "../../examples/library/run-on-emulator.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const tempDir = useTempDirs();

describe("the library example", () => {
  it("runs the demo manifest on the emulator and returns the report's totals", async () => {
    const out = await tempDir();
    const totals = await runOnEmulator(join(ROOT, "pipelines", "demo.yaml"), out);
    expect(totals).toMatchObject({ jobs: 6, succeeded: 6, failed: 0 });
  });
});
