import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIPv4 } from "node:net";
import { Readable } from "node:stream";
import { FalAnswerRefusedError } from "./answer-rules.js";

/** The address ranges a download from a public host never connects to, by the rule's name. */
const RANGES: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, number, "ipv4" | "ipv6"]>]> = [
  [
    "loopback",
    [
      ["127.0.0.0", 8, "ipv4"],
      ["::1", 128, "ipv6"],
    ],
  ],
  [
    "private",
    [
      ["10.0.0.0", 8, "ipv4"],
      ["172.16.0.0", 12, "ipv4"],
      ["192.168.0.0", 16, "ipv4"],
      ["100.64.0.0", 10, "ipv4"],
      ["fc00::", 7, "ipv6"],
    ],
  ],
  [
    "link-local",
    [
      ["169.254.0.0", 16, "ipv4"],
      ["fe80::", 10, "ipv6"],
    ],
  ],
  [
    "unspecified or reserved",
    [
      ["0.0.0.0", 8, "ipv4"],
      ["224.0.0.0", 3, "ipv4"],
      ["::", 128, "ipv6"],
      ["ff00::", 8, "ipv6"],
    ],
  ],
];
const LISTS = RANGES.map(([rule, subnets]) => {
  const list = new BlockList();
  for (const [net, prefix, type] of subnets) list.addSubnet(net, prefix, type);
  return [rule, list] as const;
});

/**
 * Which rule an IP address breaks for a download from a public host — `loopback`, `private`,
 * `link-local`, `unspecified or reserved` — or undefined for a public address. An IPv4 address
 * mapped into IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it is.
 */
export function addressRule(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const type = isIPv4(ip) ? "ipv4" : "ipv6";
  for (const [rule, list] of LISTS) if (list.check(ip, type)) return rule;
  return undefined;
}

/** A DNS resolver as `dns.lookup` with `all: true` answers. */
export type Resolver = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/** How a media download resolves names: injected in tests, which have no real network. */
export interface MediaFetchOptions {
  /** @default dns.lookup with `all: true` (the system's resolver, hosts file included) */
  readonly resolve?: Resolver;
  /** The rule an address breaks, or undefined for one to connect to. @default addressRule */
  readonly rule?: (address: string) => string | undefined;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for a socket that refuses a host name resolving to any loopback, private or
 * link-local address (DNS rebinding: a public name made to point inside), and otherwise hands
 * the socket the very addresses it checked, so the check and the connection cannot disagree.
 */
export function guardedLookup(options: MediaFetchOptions = {}) {
  const resolve = options.resolve ?? systemResolver;
  const ruleOf = options.rule ?? addressRule;
  return (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback): void => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, []);
      for (const a of addresses) {
        const rule = ruleOf(a.address);
        if (rule !== undefined)
          return callback(
            new FalAnswerRefusedError(
              "result-address",
              `result host ${hostname} resolves to ${a.address}, a ${rule} address: refused (results are downloaded only from public addresses off the base URL)`,
            ),
            [],
          );
      }
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * A `fetch` for result downloads from fal's media hosts (and any host off the base URL), whose
 * connections resolve names through `guardedLookup`. Only what a download asks is supported:
 * GET or HEAD, headers, an abort signal; redirects are never followed (the caller checks each).
 */
export function mediaFetch(options: MediaFetchOptions = {}): typeof fetch {
  const lookup = guardedLookup(options);
  return (input, init) =>
    new Promise<Response>((resolvePromise, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const send =
        url.protocol === "https:" ? httpsRequest : url.protocol === "http:" ? httpRequest : undefined;
      if (!send) return reject(new TypeError(`unsupported scheme ${url.protocol}`));
      const signal = init?.signal ?? undefined;
      const req = send(
        url,
        {
          method: init?.method ?? "GET",
          headers: Object.fromEntries(new Headers(init?.headers).entries()),
          lookup: lookup as never,
          ...(signal ? { signal } : {}),
        },
        (res: IncomingMessage) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 599) {
            res.destroy();
            return reject(new Error(`download failed: HTTP status ${status}`));
          }
          const empty = init?.method === "HEAD" || status === 204 || status === 304;
          if (empty) res.resume();
          resolvePromise(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage ?? "",
              headers,
            }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
}
