import type { EmulatorContext } from "./context.js";
import type { LedgerStats } from "./ledger.js";
import type { OutageStats } from "./outages.js";
import type { FalRequest } from "./request-store.js";

/** One request's timeline, in ms since the emulator started. */
export interface RequestTimeline {
  readonly id: string;
  readonly submittedAt: number;
  readonly startedAt: number | undefined;
  readonly completedAt: number | undefined;
  readonly resultFetchedAt: number | undefined;
  readonly outcome: "ok" | "error" | "canceled" | "pending";
}

/** What the emulator measured, for the benchmark and tests. */
export interface EmulatorStats {
  readonly requests: readonly RequestTimeline[];
  /** Capacity C over time: each change, from the start. */
  readonly capacity: ReadonlyArray<{ readonly at: number; readonly concurrency: number }>;
  /** Most requests IN_QUEUE at once. */
  readonly maxQueued: number;
  /** 429 answers sent. */
  readonly rateLimited: number;
  /** Calls that arrived after a 429 told the client to wait, and before the time it named. */
  readonly earlySends: number;
  /**
   * Calls that arrived before a 429's time on the connection that carried that 429: sent by a
   * client that had the 429 in hand (deterministic, unlike `earlySends`).
   */
  readonly provenEarlySends: number;
  /** Calls answered, by operation. */
  readonly calls: Readonly<Record<string, number>>;
  /** Submits accepted, bodies accepted twice, answers that never reached the client. */
  readonly submits: LedgerStats["submits"];
  /** Requests completed with images, and their cost at the emulator's prices. */
  readonly billing: LedgerStats["billing"];
  readonly outages: OutageStats;
}

/** One request's timeline, relative to the emulator's start. */
export function timelineOf(r: FalRequest, started: number): RequestTimeline {
  const p = r.phase;
  const rel = (t: number | undefined) => (t === undefined ? undefined : t - started);
  const outcome =
    p.kind !== "completed"
      ? "pending"
      : p.outcome.errorType === "request_cancelled"
        ? "canceled"
        : p.outcome.httpStatus === 200
          ? "ok"
          : "error";
  return {
    id: r.id,
    submittedAt: r.submittedAt - started,
    startedAt: rel(p.kind === "queued" ? undefined : p.startedAt),
    completedAt: rel(p.kind === "completed" ? p.completedAt : undefined),
    resultFetchedAt: rel(r.resultFetchedAt),
    outcome,
  };
}

/** What the emulator measured so far. */
export function collectStats(ctx: EmulatorContext): EmulatorStats {
  const calls: Record<string, number> = {};
  for (const r of ctx.record) calls[r.op] = (calls[r.op] ?? 0) + 1;
  return {
    requests: [...ctx.store.all()].map((r) => timelineOf(r, ctx.started)),
    capacity: ctx.capacity.timeline,
    maxQueued: ctx.measures.maxQueued,
    rateLimited: ctx.gateway.rateLimited,
    earlySends: ctx.gateway.earlySends,
    provenEarlySends: ctx.gateway.provenEarlySends,
    calls,
    ...ctx.ledger.stats(),
    outages: ctx.outages.stats(),
  };
}
