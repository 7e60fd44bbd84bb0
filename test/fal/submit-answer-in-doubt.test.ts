import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEditClient, describeFalError, OutageGate, Traffic } from "../../src/fal/index.js";
import { classify } from "../../src/run/retry-policy.js";
import { ManualClock } from "../helpers/manual-clock.js";

const V45 = "fal-ai/bytedance/seedream/v4.5/edit";
const ID = "0190a8f2-0000-7000-8000-000000000001";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A loopback fal whose every submit is answered 200 (fal accepted it), the body as `answer` writes it. */
async function acceptingFal(answer: (res: ServerResponse) => void) {
  let submits = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      submits += 1;
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const clock = new ManualClock();
  const client = createEditClient({
    target: { kind: "base-url", baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    credentials: "sk-in-doubt",
    clock,
    traffic: new Traffic(clock, () => 0.5, new OutageGate({ clock })),
  });
  return { client, submits: () => submits };
}

async function submitFailure(answer: (res: ServerResponse) => void) {
  const { client, submits } = await acceptingFal(answer);
  const error = await client.submit(V45, { prompt: "A shoe." }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  const failure = describeFalError(error);
  return { failure, cls: classify({ stage: "submit", failure }), submits: submits() };
}

describe("a submit fal answered 200 whose answer cannot be read is in doubt, never sent again", () => {
  it("the body cut off after the 200 headers", async () => {
    const { failure, cls, submits } = await submitFailure((res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "200" });
      res.write(`{"request_id":"${ID}","status":"IN_Q`);
      setImmediate(() => res.socket?.destroy());
    });
    expect(submits).toBe(1);
    expect([failure.kind, cls]).toEqual(["in-doubt", "permanent"]);
  });

  it("a 200 body that is not JSON", async () => {
    const { failure, cls, submits } = await submitFailure((res) => {
      res.writeHead(200, { "content-type": "application/json" }).end("<html>proxy</html>");
    });
    expect(submits).toBe(1);
    expect([failure.kind, cls]).toEqual(["in-doubt", "permanent"]);
  });
});
