import type { PublicUrls } from "./public-urls.js";
import type { FalRequest } from "./request-store.js";

/**
 * URLs fal puts in queue replies: owner and app only (fal's docs: not the endpoint's sub-path),
 * under the emulator's queue prefix. The only place a request is reached: a client must use these.
 */
export function requestUrls(urls: PublicUrls, prefix: string, request: FalRequest): Record<string, string> {
  const [owner, alias] = request.endpoint.id.split("/");
  const root = urls.queue(`${prefix}/${owner}/${alias}/requests/${request.id}`);
  return { response_url: root, status_url: `${root}/status`, cancel_url: `${root}/cancel` };
}

/** The status JSON of a request, as fal answers it (and sends it on the status stream). */
export function statusBody(
  publicUrls: PublicUrls,
  prefix: string,
  request: FalRequest,
  queuePosition: number | undefined,
  withLogs: boolean,
): Record<string, unknown> {
  const urls = requestUrls(publicUrls, prefix, request);
  const phase = request.phase;
  const logs = withLogs ? request.logs : [];
  switch (phase.kind) {
    case "queued":
      return { status: "IN_QUEUE", request_id: request.id, queue_position: queuePosition ?? 0, ...urls };
    case "running":
      return { status: "IN_PROGRESS", request_id: request.id, logs, ...urls };
    case "completed": {
      const body: Record<string, unknown> = {
        status: "COMPLETED",
        request_id: request.id,
        logs,
        metrics:
          phase.startedAt === undefined
            ? {}
            : { inference_time: (phase.completedAt - phase.startedAt) / 1000 },
        ...urls,
      };
      if (phase.outcome.httpStatus >= 400) {
        const detail = (phase.outcome.body as { detail?: unknown } | undefined)?.detail;
        body.error = typeof detail === "string" ? detail : JSON.stringify(detail);
        body.error_type = phase.outcome.errorType ?? "runner_error";
      }
      return body;
    }
  }
}
