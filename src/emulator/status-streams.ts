import type { ServerResponse } from "node:http";

interface Subscriber {
  readonly res: ServerResponse;
  readonly logs: boolean;
  last: string;
  readonly keepAlive: NodeJS.Timeout;
}

/** What a stream sends: a request's status JSON now, and whether it is final. */
export type StatusOf = (requestId: string, withLogs: boolean) => { body: string; final: boolean } | undefined;

/** How streams behave: keep-alive comments, and whether they have gone silent (a fault). */
export interface StreamOptions {
  /** Real ms between keep-alive comments (fal: at least every 15 s). */
  readonly keepAliveMs: number;
  /** While true, open streams send nothing: no event, no keep-alive (`silentStreams`). */
  readonly silent: () => boolean;
}

/**
 * Open status streams (server-sent events), by request id. Every change of a request is
 * pushed to its subscribers, a comment keeps an idle stream alive, and the stream ends with the
 * COMPLETED status.
 */
export class StatusStreams {
  readonly #streams = new Map<string, Set<Subscriber>>();

  constructor(
    private readonly statusOf: StatusOf,
    private readonly options: StreamOptions,
  ) {}

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
    if (now.final && !this.options.silent()) {
      res.end();
      return;
    }
    const subs = this.#streams.get(requestId) ?? new Set();
    const keepAlive = setInterval(() => {
      if (!this.options.silent() && !res.writableEnded) res.write(": keep-alive\n\n");
    }, this.options.keepAliveMs);
    keepAlive.unref();
    const sub: Subscriber = { res, logs: withLogs, last: now.body, keepAlive };
    subs.add(sub);
    this.#streams.set(requestId, subs);
    res.on("close", () => {
      clearInterval(keepAlive);
      subs.delete(sub);
    });
  }

  /** Sends a request's new status to its subscribers. */
  push(requestId: string): void {
    const subscribers = this.#streams.get(requestId);
    if (!subscribers || this.options.silent()) return;
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
      if (now.final) {
        clearInterval(sub.keepAlive);
        sub.res.end();
      }
    }
    if (final) this.#streams.delete(requestId);
  }

  /** Ends every open stream (the emulator is closing). */
  closeAll(): void {
    for (const subs of this.#streams.values())
      for (const s of subs) {
        clearInterval(s.keepAlive);
        s.res.end();
      }
    this.#streams.clear();
  }
}
