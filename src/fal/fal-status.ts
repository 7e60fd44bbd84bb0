import type { QueueStatus } from "@fal-ai/client";

/** One status of a queued request. */
export type FalStatus =
  | { readonly status: "IN_QUEUE"; readonly queuePosition: number }
  | { readonly status: "IN_PROGRESS" }
  | {
      readonly status: "COMPLETED";
      readonly inferenceTimeS?: number;
      /** Set when the request failed: fal's `error_type` and `error`. */
      readonly errorType?: string;
      readonly error?: string;
    };

export function toFalStatus(raw: QueueStatus): FalStatus {
  switch (raw.status) {
    case "IN_QUEUE":
      return { status: "IN_QUEUE", queuePosition: raw.queue_position };
    case "IN_PROGRESS":
      return { status: "IN_PROGRESS" };
    case "COMPLETED": {
      const r = raw as { metrics?: { inference_time?: unknown }; error_type?: unknown; error?: unknown };
      const t = r.metrics?.inference_time;
      return {
        status: "COMPLETED",
        ...(typeof t === "number" ? { inferenceTimeS: t } : {}),
        ...(typeof r.error_type === "string" ? { errorType: r.error_type } : {}),
        ...(typeof r.error === "string" ? { error: r.error } : {}),
      };
    }
  }
}
