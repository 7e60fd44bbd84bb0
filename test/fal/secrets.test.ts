import { describe, expect, it } from "vitest";
import { SecretScrubber } from "../../src/fal/secrets.js";

const KEY = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:0123456789abcdef0123456789abcdef";

describe("SecretScrubber", () => {
  const scrubber = new SecretScrubber([KEY]);

  it("removes the key raw, URL-encoded (either case) and in base64 at any offset, whole or part by part", () => {
    const [id, secret] = KEY.split(":") as [string, string];
    const forms = [
      KEY,
      encodeURIComponent(KEY),
      encodeURIComponent(KEY).replace("%3A", "%3a"),
      secret,
      id,
      ...[`${KEY}`, `Key ${KEY}`, `xKey ${KEY}`, `Basic ${KEY}!`].map((t) =>
        Buffer.from(t).toString("base64"),
      ),
      Buffer.from(`Key ${KEY}`).toString("base64url"),
    ];
    for (const form of forms) {
      const text = scrubber.scrub(`before ${form} after`);
      expect(text).toContain("[redacted]");
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString("base64").slice(2, -2));
    }
  });

  it("leaves text without the key as it is, and scrubs nothing for no key or a short one", () => {
    expect(scrubber.scrub("an ordinary 422: prompt is required")).toBe("an ordinary 422: prompt is required");
    expect(new SecretScrubber([undefined, "short"]).active).toBe(false);
  });

  it("scrubs a streamed body whose key is cut between chunks, byte for byte elsewhere", async () => {
    const body = `data: {"echo":"${KEY}","é":"ü"}\n\n`;
    const bytes = Buffer.from(body);
    const at = body.indexOf(KEY) + 10;
    const chunks = [bytes.subarray(0, at), bytes.subarray(at, at + 3), bytes.subarray(at + 3)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    const text = await new Response(stream.pipeThrough(scrubber.stream())).text();
    expect(text).toBe('data: {"echo":"[redacted]","é":"ü"}\n\n');
  });

  it("passes each line of a stream on as it arrives (a status event is not held for the next)", async () => {
    const reader = new TransformStream<Uint8Array, Uint8Array>();
    const out = reader.readable.pipeThrough(scrubber.stream()).getReader();
    const writer = reader.writable.getWriter();
    void writer.write(Buffer.from('data: {"status":"IN_PROGRESS"}\n\n'));
    const { value } = await out.read();
    expect(Buffer.from(value ?? []).toString()).toBe('data: {"status":"IN_PROGRESS"}\n\n');
  });

  it("scrubs an answer's headers and body", async () => {
    const response = scrubber.response(
      new Response(`{"detail":"bad key ${KEY}"}`, {
        status: 401,
        headers: { "content-type": "application/json", "x-fal-request-id": KEY },
      }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("x-fal-request-id")).toBe("[redacted]");
    expect(await response.json()).toEqual({ detail: "bad key [redacted]" });
  });
});
