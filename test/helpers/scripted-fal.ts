import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type FalOp, falOp } from "../../src/fal/traffic.js";

/** What the server does with the nth call (from 0) of one kind. */
export type Act =
  /** Passed on to the upstream server (the emulator), its answer streamed back. */
  | "pass"
  /** The connection dropped unanswered (a transport failure). */
  | "reset"
  /** No answer at all, the connection left open (until the server closes). */
  | "hang"
  /** This answer, JSON. */
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> };

/** One call the server got, and what it did with it. */
export interface Seen {
  readonly op: FalOp;
  readonly path: string;
  readonly act: "pass" | "reset" | "hang" | number;
}

/** Headers not to copy between the two legs of a passed call. */
const HOP = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "content-encoding",
  "keep-alive",
]);

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * fal as a script on a loopback port: every call is counted by kind (`falOp`, as the runner
 * names them) and answered as `script(op, n)` says, or passed on to `upstream`. It stands in front
 * of the emulator (started with `falHosts`, so every URL it hands out comes back here).
 */
export async function scriptedFal(
  script: (op: FalOp, n: number) => Act,
  upstream?: string,
): Promise<{ url: string; seen: Seen[]; count: (op: FalOp) => number; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const count = (op: FalOp) => seen.filter((s) => s.op === op).length;
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? "/";
    const method = req.method ?? "GET";
    const op = falOp(`http://fal.test${path}`, method);
    const act = script(op, count(op));
    seen.push({ op, path, act: typeof act === "string" ? act : act.status });
    const body = await bodyOf(req);
    if (act === "reset") {
      req.socket.destroy();
      return;
    }
    if (act === "hang") return;
    if (act !== "pass") {
      res
        .writeHead(act.status, { "content-type": "application/json", ...act.headers })
        .end(JSON.stringify(act.body ?? { detail: `scripted ${act.status}` }));
      return;
    }
    if (upstream === undefined)
      throw new Error(`scriptedFal: ${op} ${path} passed on, but there is no upstream`);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => !HOP.has(k) && typeof v === "string"),
    ) as Record<string, string>;
    const answer = await fetch(`${upstream}${path}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body }),
      redirect: "manual",
    });
    const back: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!HOP.has(k)) back[k] = v;
    });
    res.writeHead(answer.status, back);
    res.flushHeaders();
    try {
      for await (const chunk of answer.body ?? []) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
