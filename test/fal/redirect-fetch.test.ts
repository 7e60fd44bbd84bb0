import { describe, expect, it } from "vitest";
import { redirectingFetch } from "../../src/fal/redirect-fetch.js";

function capture(): { urls: string[]; fetch: typeof fetch } {
  const urls: string[] = [];
  const fake = (async (input: string | URL | Request) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return new Response("{}");
  }) as typeof fetch;
  return { urls, fetch: fake };
}

describe("redirectingFetch", () => {
  it("sends queue, storage and CDN hosts to the base URL, keeping fal's paths and queries", async () => {
    const c = capture();
    const f = redirectingFetch("http://127.0.0.1:9999/prefix/", c.fetch);
    await f("https://queue.fal.run/fal-ai/bytedance/requests/abc/status?logs=0");
    await f("https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3", { method: "POST" });
    await f("https://v3b.fal.media/files/b/x.png");
    await f("https://images.example.com/shoe.png");
    expect(c.urls).toEqual([
      "http://127.0.0.1:9999/prefix/fal-ai/bytedance/requests/abc/status?logs=0",
      "http://127.0.0.1:9999/prefix/storage/upload/initiate?storage_type=fal-cdn-v3",
      "http://127.0.0.1:9999/prefix/files/b/x.png",
      "https://images.example.com/shoe.png",
    ]);
  });
});
