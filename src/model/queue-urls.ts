/**
 * Where fal says a queued request is reached: the `status_url`, `response_url` and `cancel_url`
 * of its submit reply. fal's docs ask clients to use these rather than build them (the status,
 * result and cancel paths keep only the owner and app of an endpoint id).
 */
export interface QueueUrls {
  readonly status: string;
  readonly response: string;
  readonly cancel: string;
}

/** A request at fal: its id, and the URLs fal gave for it (absent: older journals, history finds). */
export interface FalRequestRef {
  readonly id: string;
  readonly urls?: QueueUrls | undefined;
}
