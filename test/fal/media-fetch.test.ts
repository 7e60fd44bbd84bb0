import type { LookupAddress } from "node:dns";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { addressRule, guardedLookup, mediaFetch, type Resolver } from "../../src/fal/media-fetch.js";
import { downloadFile } from "../../src/outputs/download.js";

/** A resolver that answers every name with `addresses` (no network), noting what it was asked. */
function resolverOf(...addresses: string[]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolver = (hostname, callback) => {
    asked.push(hostname);
    callback(
      null,
      addresses.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
  return Object.assign(resolve, { asked });
}

function lookupOnce(resolve: Resolver, all = false): Promise<{ error?: Error; address?: unknown }> {
  return new Promise((done) =>
    guardedLookup({ resolve })("v3.fal.media", { all }, (error, address) =>
      done(error ? { error } : { address }),
    ),
  );
}

describe("addressRule", () => {
  it("names loopback, private, link-local and reserved addresses, v4, v6 and v4 mapped in v6", () => {
    expect(
      Object.fromEntries(
        [
          "127.0.0.1",
          "127.8.9.10",
          "::1",
          "10.1.2.3",
          "172.20.0.1",
          "192.168.1.1",
          "100.64.0.1",
          "fc00::1",
          "fd12:3456::1",
          "169.254.169.254",
          "fe80::1",
          "0.0.0.0",
          "::",
          "::ffff:127.0.0.1",
          "::ffff:10.0.0.1",
          "93.184.216.34",
          "34.120.0.1",
          "2606:4700::6810:84e5",
        ].map((a) => [a, addressRule(a) ?? "public"]),
      ),
    ).toEqual({
      "127.0.0.1": "loopback",
      "127.8.9.10": "loopback",
      "::1": "loopback",
      "10.1.2.3": "private",
      "172.20.0.1": "private",
      "192.168.1.1": "private",
      "100.64.0.1": "private",
      "fc00::1": "private",
      "fd12:3456::1": "private",
      "169.254.169.254": "link-local",
      "fe80::1": "link-local",
      "0.0.0.0": "unspecified or reserved",
      "::": "unspecified or reserved",
      "::ffff:127.0.0.1": "loopback",
      "::ffff:10.0.0.1": "private",
      "93.184.216.34": "public",
      "34.120.0.1": "public",
      "2606:4700::6810:84e5": "public",
    });
  });
});

describe("guardedLookup", () => {
  it("refuses a fal media name that resolves inside (DNS rebinding), naming the rule", async () => {
    for (const [address, rule] of [
      ["127.0.0.1", "loopback"],
      ["10.0.0.7", "private"],
      ["169.254.169.254", "link-local"],
      ["::1", "loopback"],
      ["fc00::5", "private"],
    ]) {
      const { error } = await lookupOnce(resolverOf(address as string));
      expect(error).toMatchObject({
        code: "FAL_ANSWER_REFUSED",
        rule: "result-address",
        message: `result host v3.fal.media resolves to ${address}, a ${rule} address: refused (results are downloaded only from public addresses off the base URL)`,
      });
    }
    // One inside address among public ones is enough: the socket could be handed any of them.
    expect((await lookupOnce(resolverOf("93.184.216.34", "127.0.0.1"), true)).error?.message).toContain(
      "a loopback address",
    );
  });

  it("hands the socket the very addresses it checked", async () => {
    expect(await lookupOnce(resolverOf("93.184.216.34"))).toEqual({ address: "93.184.216.34" });
    expect(await lookupOnce(resolverOf("93.184.216.34", "2606:4700::1"), true)).toEqual({
      address: [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:4700::1", family: 6 },
      ],
    });
  });
});

describe("mediaFetch", () => {
  const servers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of servers.splice(0)) await close();
  });

  async function server(): Promise<{ port: number; hits: string[] }> {
    const hits: string[] = [];
    const s = createServer((req, res) => {
      hits.push(`${req.headers.host} ${req.url}`);
      res.writeHead(200, { "content-type": "image/png" });
      res.end("image bytes");
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    servers.push(() => new Promise((resolve) => s.close(() => resolve())));
    return { port: (s.address() as AddressInfo).port, hits };
  }

  it("connects to the address it looked up, when that address is allowed", async () => {
    const s = await server();
    const resolve = resolverOf("127.0.0.1");
    // For this test only, 127.0.0.1 passes: no real fal host resolves here, so a hit proves the
    // connection went where the checked lookup said.
    const fetchImpl = mediaFetch({
      resolve,
      rule: (a) => (a === "127.0.0.1" ? undefined : "not this test's"),
    });
    const bytes = await downloadFile(`http://v3.fal.media:${s.port}/files/x.png`, { fetch: fetchImpl });
    expect(bytes.toString()).toBe("image bytes");
    expect(resolve.asked).toEqual(["v3.fal.media"]);
    expect(s.hits).toEqual([`v3.fal.media:${s.port} /files/x.png`]);
  });

  it("refuses the download with the rule named when the name resolves to loopback; nothing is asked", async () => {
    const s = await server();
    const fetchImpl = mediaFetch({ resolve: resolverOf("127.0.0.1") });
    await expect(
      downloadFile(`http://v3.fal.media:${s.port}/files/x.png`, { fetch: fetchImpl }),
    ).rejects.toMatchObject({
      rule: "result-address",
      message: expect.stringContaining("resolves to 127.0.0.1, a loopback address"),
    });
    expect(s.hits).toEqual([]);
  });
});
