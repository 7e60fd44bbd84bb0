import type { ServerResponse } from "node:http";

interface Subscriber {
  readonly res: ServerResponse;
  readonly logs: boolean;
  last: string;
}

/** What a stream sends: a request's status JSON now, and whether it is final. */
export type StatusOf = (requestId: string, withLogs: boolean) => { body: string; final: boolean } | undefined;

/**
 * Open status streams (server-sent events), by request id. Every change of a request is
 * pushed to its subscribers; the stream ends with the COMPLETED status.
 */
export class StatusStreams {
  readonly #streams = new Map<string, Set<Subscriber>>();

  constructor(private readonly statusOf: StatusOf) {}

  /** Opens a stream on `res`: sends the status now, then every change. */
  open(res: ServerResponse, requestId: string, withLogs: boolean): void {
    const now = this.statusOf(requestId, withLogs);
    if (!now) return;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.write(`data: ${now.body}\n\n`);
    if (now.final) {
      res.end();
      return;
    }
    const subs = this.#streams.get(requestId) ?? new Set();
    const sub: Subscriber = { res, logs: withLogs, last: now.body };
    subs.add(sub);
    this.#streams.set(requestId, subs);
    res.on("close", () => subs.delete(sub));
  }

  /** Sends a request's new status to its subscribers. */
  push(requestId: string): void {
    const subscribers = this.#streams.get(requestId);
    if (!subscribers) return;
    const final = this.statusOf(requestId, false)?.final ?? true;
    for (const sub of subscribers) {
      if (sub.res.writableEnded) {
        subscribers.delete(sub);
        continue;
      }
      const now = this.statusOf(requestId, sub.logs);
      if (!now) continue;
      // Only changes are events: a log line the subscriber did not ask for is not one.
      if (now.body !== sub.last) sub.res.write(`data: ${now.body}\n\n`);
      sub.last = now.body;
      if (now.final) sub.res.end();
    }
    if (final) this.#streams.delete(requestId);
  }

  /** Ends every open stream (the emulator is closing). */
  closeAll(): void {
    for (const subs of this.#streams.values()) for (const s of subs) s.res.end();
    this.#streams.clear();
  }
}
