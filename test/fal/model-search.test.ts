import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { loadModels, type PlatformAccess } from "../../src/fal/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const OLD_V5 = "fal-ai/bytedance/seedream/v5/lite/edit";
const NEW_V5 = "bytedance/seedream/v5/lite/edit";
const HOUR = 3600 * 1000;
const tempDir = useTempDirs();
const emulators = useEmulators();

const access = (em: Emulator): PlatformAccess => ({
  target: { kind: "base-url", baseUrl: em.url },
  credentials: "k",
});
const searches = (em: Emulator) => em.requests.filter((r) => r.op === "models").length;

describe("loadModels: fal's Model Search API, cached a day in the state folder", () => {
  it("asks once for both ids of a renamed endpoint, serves the cache for a day, then asks again", async () => {
    const em = await emulators.start();
    const stateDir = join(await tempDir(), ".state");
    const clock = new VirtualClock();
    const load = () => loadModels({ endpointIds: [NEW_V5, OLD_V5], access: access(em), stateDir, clock });

    const first = await load();
    expect(
      [...first.entries()].map(([id, a]) => [id, "entry" in a ? [a.source, a.entry.status] : a]),
    ).toEqual([
      [NEW_V5, ["fal", "active"]],
      [OLD_V5, ["fal", "active"]],
    ]);
    const asked = em.requests.find((r) => r.op === "models");
    expect(asked?.path).toBe("/v1/models");
    expect(asked?.query.expand).toBe("openapi-3.0");
    const cache = JSON.parse(await readFile(join(stateDir, "models.json"), "utf8"));
    expect(Object.keys(cache.models)).toEqual([NEW_V5, OLD_V5]);

    clock.advance(23 * HOUR);
    expect([...(await load()).values()].map((a) => ("entry" in a ? a.source : a.note))).toEqual([
      "cache",
      "cache",
    ]);
    expect(searches(em)).toBe(1);
    clock.advance(2 * HOUR);
    expect([...(await load()).values()].map((a) => ("entry" in a ? a.source : a.note))).toEqual([
      "fal",
      "fal",
    ]);
    expect(searches(em)).toBe(2);
  });

  it("says why there is no answer: an endpoint fal does not list, or fal not answering", async () => {
    const em = await emulators.start();
    const stateDir = join(await tempDir(), ".state");
    const clock = new VirtualClock();
    const unknown = await loadModels({ endpointIds: ["acme/nothing"], access: access(em), stateDir, clock });
    expect(unknown.get("acme/nothing")).toEqual({ note: "fal's Model Search API does not list it" });
    em.outage({ kind: "503" });
    const down = await loadModels({ endpointIds: [NEW_V5], access: access(em), stateDir, clock });
    expect(down.get(NEW_V5)).toEqual({
      note: "fal's Model Search API failed: GET /models: HTTP 503: Service temporarily unavailable",
    });
    await em.endOutage();
  });
});
