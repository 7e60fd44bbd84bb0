import { get } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { loadReviewInputs } from "../../src/pipeline/review-inputs.js";
import { readDecisions } from "../../src/review/decision-store.js";
import { serveReview } from "../../src/review/serve-review.js";
import { runReviewManifest, writeReviewManifest } from "../helpers/review-run.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-review-server";
const tempDir = useTempDirs();
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10 });
});
afterAll(async () => {
  await emulator.close();
});

/** The first address of this machine that is not loopback, if it has one. */
function otherAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (!a.internal && a.family === "IPv4") return a.address;
  return undefined;
}

const refused = (host: string, port: number) =>
  new Promise<string>((resolve) => {
    const s = connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });

/** GET /api/items over loopback with this Host header (fetch may not set Host). */
const statusAs = (host: string, port: number) =>
  new Promise<number>((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/api/items", headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once("error", reject);
  });

describe("the review server", () => {
  it("takes a decision only with the session token, answers only as 127.0.0.1, and only on loopback", async () => {
    const dir = await tempDir();
    await writeReviewManifest(dir, ["A1", "B2"]);
    const { out, ...run } = await runReviewManifest(dir, emulator.url, KEY);
    expect(run.code, run.stderr).toBe(0);
    const server = await serveReview({ outputDir: out, loadInputs: loadReviewInputs });
    try {
      const port = Number(new URL(server.url).port);
      const page = await (await fetch(server.url)).text();
      expect(page).toContain(`<meta name="review-token" content="${server.token}">`);
      // The browser modules are served by name from a fixed list, as JavaScript; nothing else is.
      const app = await fetch(`${server.url}app/review-app.js`);
      expect([app.status, app.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
      expect(await app.text()).toContain('from "./review-keys.js"');
      expect((await fetch(`${server.url}app/gallery-app.js`)).status).toBe(404);
      expect((await fetch(`${server.url}app/..%2F..%2Fpackage.json`)).status).toBe(404);
      const items = (await (await fetch(`${server.url}api/items`)).json()) as {
        items: Array<{ key: string; n: number; job: string; image?: { sha256: string }; inputs: unknown[] }>;
      };
      const first = items.items[0];
      if (!first?.image) throw new Error("no image to review");
      expect(first.inputs.length).toBeGreaterThan(0);
      const body = JSON.stringify({
        decisions: [
          {
            key: first.key,
            n: first.n,
            job: first.job,
            state: "rejected",
            note: "too dark",
            sha256: first.image.sha256,
          },
        ],
      });
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}api/decisions`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        });

      expect((await post({})).status).toBe(403);
      expect((await post({ "x-review-token": "0".repeat(48) })).status).toBe(403);
      // A page of another site reaching us by DNS rebinding names its own host.
      expect(await statusAs(`evil.example:${port}`, port)).toBe(403);
      expect(await statusAs(`localhost:${port}`, port)).toBe(200);
      expect(await readDecisions(out)).toEqual(new Map());

      const ok = await post({ "x-review-token": server.token });
      expect(ok.status).toBe(200);
      const saved = await readDecisions(out);
      expect([...saved.values()].map((d) => [d.job, d.state, d.note, d.by])).toEqual([
        [first.job, "rejected", "too dark", "review"],
      ]);
      expect((await fetch(`${server.url}image/${"f".repeat(64)}`)).status).toBe(404);
      expect((await fetch(`${server.url}image/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      const image = await fetch(`${server.url}image/${first.image.sha256}`);
      expect([image.status, image.headers.get("content-type")]).toEqual([200, "image/png"]);

      // Not listening anywhere but loopback.
      const other = otherAddress();
      if (other) expect(await refused(other, port)).toBe("ECONNREFUSED");
      else console.warn("no non-loopback address on this machine: the interface check is skipped");
    } finally {
      await server.close();
    }
  });
});
