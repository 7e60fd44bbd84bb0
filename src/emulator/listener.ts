import type { IncomingMessage, ServerResponse } from "node:http";
import { classify } from "./classify.js";
import type { EmulatorContext } from "./context.js";
import { sendReply } from "./http.js";
import { type RecordedRequest, safeHeaders } from "./record.js";
import { route } from "./routes.js";

/** Records a call (without its key) before it is served. */
function recordCall(ctx: EmulatorContext, req: IncomingMessage, url: URL): RecordedRequest {
  const entry: RecordedRequest = {
    seq: ctx.record.length + 1,
    at: Date.now() - ctx.started,
    method: req.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    op: classify(
      req.method ?? "GET",
      url.pathname,
      ctx.opts.queuePathPrefix,
      ctx.opts.models.map((m) => m.endpoint),
    ),
    status: 0,
    headers: safeHeaders(req.headers),
    hadAuthorization: req.headers.authorization !== undefined,
  };
  ctx.record.push(entry);
  return entry;
}

/** The HTTP listener: records each call, routes it and writes its reply (a 500 JSON on a bug). */
export function createListener(ctx: EmulatorContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator.local");
    const entry = recordCall(ctx, req, url);
    route({ ctx, req, res, url, method: req.method ?? "GET", entry }).then(
      (reply) => {
        if (reply && !res.destroyed) {
          entry.status = reply.status;
          sendReply(res, reply);
        }
        ctx.changed();
      },
      (error: unknown) => {
        entry.status = 500;
        if (res.destroyed) return;
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            detail: `Emulator error: ${error instanceof Error ? error.message : String(error)}`,
          }),
        );
      },
    );
  };
}
