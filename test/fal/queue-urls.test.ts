import { describe, expect, it } from "vitest";
import { replyUrls, streamUrlOf, usableUrl } from "../../src/fal/queue-urls.js";

const ID = "0b5cd2a8-5d0e-4b6a-9d3c-4a2f1e7c9b10";
const root = `https://queue.fal.run/bytedance/seedream/requests/${ID}`;

describe("queue URLs of a submit reply", () => {
  it("are taken as fal gave them, and the stream is the status URL's /stream", () => {
    const read = replyUrls(
      { status_url: `${root}/status`, response_url: root, cancel_url: `${root}/cancel` },
      ID,
      undefined,
    );
    expect(read).toEqual({ urls: { status: `${root}/status`, response: root, cancel: `${root}/cancel` } });
    if ("urls" in read) expect(streamUrlOf(read.urls)).toBe(`${root}/status/stream`);
  });

  it("are refused when they would send the key elsewhere, carry credentials, or name another request", () => {
    const at = (url: string, base?: string) =>
      replyUrls({ status_url: url, response_url: root, cancel_url: `${root}/cancel` }, ID, base);
    expect(at(`https://queue.evil.example/x/requests/${ID}/status`)).toEqual({
      refused: "status_url is not on a fal host: https://queue.evil.example",
    });
    expect(at(`http://queue.fal.run/x/requests/${ID}/status`)).toEqual({
      refused: "status_url is not on a fal host: http://queue.fal.run",
    });
    expect(at(`https://u:p@queue.fal.run/x/requests/${ID}/status`)).toEqual({
      refused: "status_url carries credentials",
    });
    expect(at("https://queue.fal.run/x/requests/another/status")).toEqual({
      refused: `status_url does not name request ${ID}`,
    });
    expect(replyUrls({ request_id: ID }, ID, undefined)).toEqual({ refused: "status_url is missing" });
    // The base URL's own origin is where its traffic goes anyway (the emulator, a proxy).
    expect(at(`http://127.0.0.1:8787/q/x/requests/${ID}/status`, "http://127.0.0.1:8787")).toMatchObject({
      urls: { status: `http://127.0.0.1:8787/q/x/requests/${ID}/status` },
    });
  });

  it("a journaled URL is checked again at each use", () => {
    expect(usableUrl(`${root}/status`, ID, undefined)).toBe(`${root}/status`);
    expect(usableUrl(`https://evil.example/requests/${ID}`, ID, undefined)).toBeUndefined();
    expect(usableUrl("not a url", ID, undefined)).toBeUndefined();
  });
});
