import type { Call } from "./context.js";
import { json, type Reply } from "./http.js";
import { collectStats } from "./metrics.js";
import { modelSearch, pricing, requestHistory } from "./platform-routes.js";
import { cancel, result, status, submit } from "./queue-routes.js";
import type { Operation } from "./record.js";
import { initiateUpload, putUpload, serveFile } from "./storage-routes.js";

/** A route: serves a call, answering a JSON reply or writing the response itself (undefined). */
type Route = (call: Call) => Promise<Reply | undefined>;

const notFound: Route = async ({ method, url }) =>
  json(404, { detail: `No route for ${method} ${url.pathname}` });

/** The emulator's own read-only views, outside fal's protocol. */
const control: Route = async (call) => {
  if (call.method !== "GET") return notFound(call);
  if (call.url.pathname === "/_emulator/requests") return json(200, call.ctx.record);
  if (call.url.pathname === "/_emulator/stats") return json(200, collectStats(call.ctx));
  return notFound(call);
};

/** Which operation each route serves, and with which methods (any, when left out). */
const ROUTES: Readonly<Record<Operation, { readonly methods?: readonly string[]; readonly route: Route }>> = {
  control: { route: control },
  file: { methods: ["GET", "HEAD"], route: serveFile },
  "upload-initiate": { methods: ["POST"], route: initiateUpload },
  "upload-put": { methods: ["PUT"], route: putUpload },
  submit: { methods: ["POST"], route: submit },
  status: { route: status },
  "status-stream": { route: status },
  result: { route: result },
  cancel: { route: cancel },
  history: { route: requestHistory },
  pricing: { route: pricing },
  models: { route: modelSearch },
  unknown: { route: notFound },
};

const QUEUE_OPS: ReadonlySet<Operation> = new Set(["status", "status-stream", "result", "cancel"]);

/** Whether the injected connection resets strike this call (it is then dropped unanswered). */
function resetStrikes(call: Call): boolean {
  const { faults } = call.ctx;
  const op = call.entry.op;
  return (
    (QUEUE_OPS.has(op) && faults.chance(faults.current.resetRate)) ||
    (op === "submit" && faults.chance(faults.current.resetSubmitRate))
  );
}

/**
 * Serves one call: an outage in force first (the emulator's own views excepted), then the
 * emulator's views and files (no gateway in front of them), then fal's gateway (rate limit,
 * resets), then the route of its operation.
 */
export async function route(call: Call): Promise<Reply | undefined> {
  const op = call.entry.op;
  const { methods, route: serve } = ROUTES[op];
  const outage = op === "control" ? undefined : call.ctx.outages.intercept();
  if (outage === "reset") {
    call.req.socket.destroy();
    return undefined;
  }
  if (outage) return outage;
  if (op === "control" || op === "file")
    return methods && !methods.includes(call.method) ? notFound(call) : serve(call);
  const limited = call.ctx.gateway.admit(op, Date.now(), call.req.socket);
  if (limited) return limited;
  if (resetStrikes(call)) {
    call.req.socket.destroy();
    return undefined;
  }
  if (methods && !methods.includes(call.method)) return notFound(call);
  return serve(call);
}
