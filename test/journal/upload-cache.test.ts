import { describe, expect, it } from "vitest";
import { MAX_UPLOAD_CACHE_ENTRIES, parseUploadCache } from "../../src/journal/upload-cache.js";

const hash = (c: string) => c.repeat(64);
const at = 1_700_000_000_000;

describe("parseUploadCache", () => {
  it("keeps fal's media URLs and the base URL's origin; drops every other URL, naming the rule", () => {
    const text = JSON.stringify({
      [hash("a")]: { url: "https://v3.fal.media/files/koala/x.png", at },
      [hash("b")]: { url: "http://127.0.0.1:4100/storage/x.png", at },
      [hash("c")]: { url: "http://127.0.0.1:9999/internal/admin", at },
      [hash("d")]: { url: "https://evil.example/x.png", at },
      [hash("e")]: { url: "http://v3.fal.media/files/x.png", at },
    });
    const { entries, dropped } = parseUploadCache(text, "http://127.0.0.1:4100");
    expect([...entries.keys()]).toEqual([hash("a"), hash("b")]);
    expect(dropped).toEqual([
      `cccccccccccc…: URL refused (http, not https, off fal's base URL)`,
      `dddddddddddd…: URL refused (evil.example is not one of fal's media hosts nor the base URL's origin (http://127.0.0.1:4100))`,
      `eeeeeeeeeeee…: URL refused (http, not https, off fal's base URL)`,
    ]);
    // Against fal itself, the loopback origin is no one's.
    expect([...parseUploadCache(text, "fal").entries.keys()]).toEqual([hash("a")]);
  });

  it("drops entries of another shape: a key that is no hash, extra fields, a bad time, a data: URI", () => {
    const url = "https://fal.media/files/x.png";
    const text = JSON.stringify({
      "../x": { url, at },
      [hash("a")]: { url, at, extra: 1 },
      [hash("b")]: { url, at: -1 },
      [hash("c")]: { url: 7, at },
      [hash("d")]: { url: "data:image/png;base64,AAAA", at },
      [hash("e")]: { url: `https://fal.media/${"x".repeat(3000)}`, at },
      [hash("f")]: { url, at },
    });
    const { entries, dropped } = parseUploadCache(text, "fal");
    expect([...entries.keys()]).toEqual([hash("f")]);
    expect(dropped.map((d) => d.replace(/^[0-9a-f]{12}…: /, ""))).toEqual([
      "a key that is not a content hash",
      "not {url, at}",
      "not {url, at}",
      "not {url, at}",
      "a data: URI, not an uploaded file",
      "not {url, at}",
    ]);
  });

  it("uses nothing of a file that is not an object of entries, or holds too many", () => {
    expect(parseUploadCache("{", "fal").dropped).toEqual(["not JSON"]);
    expect(parseUploadCache("[]", "fal").dropped).toEqual(["not an object"]);
    const many = Object.fromEntries(
      Array.from({ length: MAX_UPLOAD_CACHE_ENTRIES + 1 }, (_, i) => [
        i.toString(16).padStart(64, "0"),
        { url: "https://fal.media/x", at },
      ]),
    );
    const { entries, dropped } = parseUploadCache(JSON.stringify(many), "fal");
    expect(entries.size).toBe(0);
    expect(dropped).toEqual([`${MAX_UPLOAD_CACHE_ENTRIES + 1} entries, over the 20000 limit`]);
  });
});

describe("parseUploadCache for an --emulator run", () => {
  it("forgets an earlier emulator's uploads without a warning; a foreign host is still warned about", () => {
    const text = JSON.stringify({
      [hash("a")]: { url: "http://127.0.0.1:41234/files/uploads/x.png", at },
      [hash("b")]: { url: "https://evil.example/x.png", at },
      [hash("c")]: { url: "https://v3.fal.media/files/x.png", at },
    });
    const { entries, dropped, gone } = parseUploadCache(text, "http://127.0.0.1:50000", "emulator");
    expect([...entries.keys()]).toEqual([hash("c")]);
    expect(gone).toBe(1);
    expect(dropped).toEqual([
      "bbbbbbbbbbbb…: URL refused (evil.example is not one of fal's media hosts nor the base URL's origin (http://127.0.0.1:50000))",
    ]);
    // Against a base URL, the same loopback entry is a tampering, and said.
    expect(parseUploadCache(text, "http://127.0.0.1:50000").dropped).toHaveLength(2);
  });
});
