import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request the hostile server was sent. */
interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/**
 * Answers a request itself (returns true) or lets it through to the emulator (false). `self` is
 * the hostile server's own origin, `upstream` the emulator's.
 */
export type Hostility = (
  req: IncomingMessage & { readonly body: Buffer },
  res: ServerResponse,
  at: { readonly self: string; readonly upstream: string },
) => boolean | Promise<boolean>;

/** A fal that answers as the emulator does, except where a `Hostility` answers instead. */
export interface HostileFal {
  readonly url: string;
  readonly sent: SentRequest[];
  /** Connections still open (a stream the runner left open shows here). */
  openConnections(): number;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 that plays fal through the emulator (`upstream`) but for what
 * `hostility` answers itself. The emulator's origin in JSON answers becomes this server's, so
 * the result files it names are fetched through here too (the base URL's origin).
 */
export async function startHostileFal(upstream: string, hostility: Hostility): Promise<HostileFal> {
  const sent: SentRequest[] = [];
  const sockets = new Set<Socket>();
  let self = "";
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      sent.push({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        authorization: req.headers.authorization,
        body: body.toString("utf8"),
      });
      void (async () => {
        const handled = await hostility(Object.assign(req, { body }), res, { self, upstream });
        if (!handled) forward(req, body, res, upstream, self);
      })().catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    sent,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Passes a request to the emulator and its answer back, with the emulator's origin made ours in JSON. */
function forward(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  upstream: string,
  self: string,
): void {
  const target = new URL(req.url ?? "/", upstream);
  const headers = { ...req.headers, host: target.host };
  delete headers["content-length"];
  const out = request(target, { method: req.method, headers }, (answer) => {
    const type = answer.headers["content-type"] ?? "";
    if (!type.includes("application/json")) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    const parts: Buffer[] = [];
    answer.on("data", (c: Buffer) => parts.push(c));
    answer.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8").split(upstream).join(self);
      const { "content-length": _, ...rest } = answer.headers;
      res.writeHead(answer.statusCode ?? 502, rest);
      res.end(text);
    });
  });
  out.on("error", (error) => res.destroy(error));
  out.end(body);
}

/** Sends `value` as a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

/** Whether a request is fal's result call (`GET …/requests/{id}`) and not a status or a file. */
export function isResultCall(req: IncomingMessage): boolean {
  return req.method === "GET" && /\/requests\/[^/]+$/.test(new URL(req.url ?? "/", "http://x").pathname);
}

/** Whether a request is a submit (`POST` to an endpoint, not storage). */
export function isSubmit(req: IncomingMessage): boolean {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  return req.method === "POST" && !path.startsWith("/storage/") && !path.includes("/requests/");
}

/**
 * Writes `total` bytes of spaces as a chunked body (no Content-Length), a MiB at a time, as fast
 * as the reader takes them; `written()` says how many it took before it hung up.
 */
export function sendChunked(res: ServerResponse, total: number, contentType: string): { written(): number } {
  res.writeHead(200, { "content-type": contentType });
  const chunk = Buffer.alloc(1 << 20, 0x20);
  let left = total;
  let written = 0;
  const more = () => {
    while (left > 0) {
      left -= chunk.length;
      written += chunk.length;
      if (!res.write(chunk)) {
        res.once("drain", more);
        return;
      }
    }
    res.end();
  };
  res.on("close", () => {
    left = 0;
  });
  more();
  return { written: () => written };
}
