import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { loadPrices, type PlatformAccess } from "../../src/fal/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const emulators = useEmulators();

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const V5 = "fal-ai/bytedance/seedream/v5/lite/edit";
const HOUR = 3600 * 1000;

const tempDir = useTempDirs();
let emulator: Emulator | undefined;
function access(em: Emulator): PlatformAccess {
  return { target: { kind: "base-url", baseUrl: em.url }, credentials: "k" };
}

function pricingCalls(em: Emulator): number {
  return em.requests.filter((r) => r.op === "pricing").length;
}

describe("loadPrices: fal's prices, cached a day in the state folder, else the built-in table", () => {
  it("asks fal once, then serves the cache for a day, then asks again", async () => {
    emulator = await emulators.start({ prices: { [V45]: 0.03, [V5]: 0.025 } });
    const stateDir = join(await tempDir(), ".state");
    const clock = new VirtualClock();
    const load = () =>
      loadPrices({ endpointIds: [V45, V5], access: access(emulator as Emulator), stateDir, clock });

    const first = await load();
    expect([...first.values()]).toEqual([
      { endpointId: V45, unitPriceUsd: 0.03, source: "fal", fetchedAt: clock.now() },
      { endpointId: V5, unitPriceUsd: 0.025, source: "fal", fetchedAt: clock.now() },
    ]);
    expect(emulator.requests.find((r) => r.op === "pricing")?.query).toEqual({ endpoint_id: `${V45},${V5}` });
    const file = JSON.parse(await readFile(join(stateDir, "prices.json"), "utf8"));
    expect(file).toEqual({
      target: emulator.url,
      prices: {
        [V45]: { unitPriceUsd: 0.03, fetchedAt: clock.now() },
        [V5]: { unitPriceUsd: 0.025, fetchedAt: clock.now() },
      },
    });

    const fetchedAt = clock.now();
    clock.advance(23 * HOUR);
    expect([...(await load()).values()].map((q) => [q.source, q.unitPriceUsd, q.fetchedAt])).toEqual([
      ["cache", 0.03, fetchedAt],
      ["cache", 0.025, fetchedAt],
    ]);
    expect(pricingCalls(emulator)).toBe(1);

    clock.advance(2 * HOUR);
    expect([...(await load()).values()].map((q) => q.source)).toEqual(["fal", "fal"]);
    expect(pricingCalls(emulator)).toBe(2);
  });

  it("falls back to the built-in price, saying why, when fal does not answer or does not list the endpoint", async () => {
    emulator = await emulators.start();
    const stateDir = join(await tempDir(), ".state");
    const clock = new VirtualClock();
    emulator.outage({ kind: "503" });
    const down = await loadPrices({ endpointIds: [V45], access: access(emulator), stateDir, clock });
    expect(down.get(V45)).toEqual({
      endpointId: V45,
      unitPriceUsd: 0.04,
      source: "built-in",
      note: "fal's pricing endpoint failed: GET /models/pricing: HTTP 503: Service temporarily unavailable",
    });
    await expect(readFile(join(stateDir, "prices.json"), "utf8")).rejects.toThrow(/ENOENT/);
    await emulator.endOutage();

    const unknown = await loadPrices({
      endpointIds: [V5, "fal-ai/flux/dev"],
      access: access(emulator),
      stateDir,
      clock,
    });
    expect([...unknown.values()]).toEqual([
      { endpointId: V5, unitPriceUsd: 0.035, source: "fal", fetchedAt: clock.now() },
    ]);

    const offline = await loadPrices({
      endpointIds: [V45],
      access: undefined,
      stateDir: join(stateDir, "x"),
      clock,
    });
    expect(offline.get(V45)).toEqual({ endpointId: V45, unitPriceUsd: 0.04, source: "built-in" });
  });

  it("does not reuse prices cached for another target, and ignores an unreadable cache", async () => {
    emulator = await emulators.start({ prices: { [V45]: 0.02 } });
    const stateDir = join(await tempDir(), ".state");
    const clock = new VirtualClock();
    await mkdir(stateDir, { recursive: true });
    await writeFile(
      join(stateDir, "prices.json"),
      JSON.stringify({ target: "fal", prices: { [V45]: { unitPriceUsd: 0.01, fetchedAt: clock.now() } } }),
    );
    const other = await loadPrices({ endpointIds: [V45], access: access(emulator), stateDir, clock });
    expect(other.get(V45)).toMatchObject({ unitPriceUsd: 0.02, source: "fal" });

    await writeFile(join(stateDir, "prices.json"), "{ not json");
    const again = await loadPrices({ endpointIds: [V45], access: access(emulator), stateDir, clock });
    expect(again.get(V45)).toMatchObject({ unitPriceUsd: 0.02, source: "fal" });
    expect(pricingCalls(emulator)).toBe(2);
  });
});
