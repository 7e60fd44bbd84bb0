import { Agent, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { useEmulators } from "../helpers/emulator.js";

const emulators = useEmulators();

let emulator: Emulator | undefined;
const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
});

/** Sends a submit over `agent` and resolves with its status once the whole response is in. */
function submit(em: Emulator, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${em.url}/fal-ai/bytedance/seedream/v4.5/edit`,
      { method: "POST", agent, headers: { authorization: "Key k", "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ prompt: "p", image_urls: ["https://example.com/a.png"] }));
  });
}

/** One connection, kept alive: each request goes after the previous response arrived. */
function oneConnection(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

describe("the emulator's gateway counts calls sent before a 429's time", () => {
  it("counts a call sent on the connection that got the 429, before the time it named", async () => {
    // One call per 100 s: the second is refused with Retry-After: 100, so no stall of the machine
    // can make the third arrive after that time.
    emulator = await emulators.start({ faults: { rateLimit: { perSecond: 0.01, burst: 1 } } });
    const agent = oneConnection();
    expect(await submit(emulator, agent)).not.toBe(429);
    expect(await submit(emulator, agent)).toBe(429);
    expect(emulator.stats().provenEarlySends).toBe(0);
    expect(await submit(emulator, agent)).toBe(429);
    expect(emulator.stats().provenEarlySends).toBe(1);
  });

  it("does not count a call on another connection: it may have been on its way", async () => {
    emulator = await emulators.start({ faults: { rateLimit: { perSecond: 0.01, burst: 1 } } });
    expect(await submit(emulator, oneConnection())).not.toBe(429);
    expect(await submit(emulator, oneConnection())).toBe(429);
    expect(await submit(emulator, oneConnection())).toBe(429);
    expect(emulator.stats()).toMatchObject({ rateLimited: 2, provenEarlySends: 0 });
  });
});
