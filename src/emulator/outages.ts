import type { OutageKind, ScheduledOutage } from "./faults.js";
import { json, type Reply } from "./http.js";

/** What the emulator's server does for an outage. */
export interface OutageHooks {
  /** Drops every open connection; returns how many there were. */
  dropConnections(): number;
  /** Ends the open status streams (a gateway answering 5xx holds no stream open). */
  endStreams(): void;
  /** Stops listening: new connections are refused (ECONNREFUSED). */
  stopListening(): void;
  /** Listens again on the same address. */
  listen(): Promise<void>;
  /** Told when an outage begins or ends. */
  changed(): void;
}

/** What the outages did so far. */
export interface OutageStats {
  /** Outages started. */
  readonly started: number;
  /** The outage in force now, if any. */
  readonly active: OutageKind | null;
  /** Connections open when a `refuse` or `reset` outage began, dropped with it. */
  readonly dropped: number;
  /** Calls whose connection was reset unanswered during a `reset` outage. */
  readonly resets: number;
  /** Calls answered 502, 503 or 504 during such an outage, by status. */
  readonly answered: Readonly<Record<"502" | "503" | "504", number>>;
}

const DETAIL: Record<"502" | "503" | "504", string> = {
  "502": "Bad gateway",
  "503": "Service temporarily unavailable",
  "504": "Gateway timeout",
};

/**
 * fal going away and coming back, on a schedule or on demand. While an outage lasts the
 * emulator keeps its state: accepted requests run on and finish, files and results stay.
 */
export class Outages {
  #active: { kind: OutageKind; timer: NodeJS.Timeout | undefined } | undefined;
  #started = 0;
  #dropped = 0;
  #resets = 0;
  readonly #answered = { "502": 0, "503": 0, "504": 0 };
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    schedule: readonly ScheduledOutage[],
    private readonly hooks: OutageHooks,
  ) {
    for (const o of schedule) this.#timers.push(setTimeout(() => this.start(o.kind, o.durationMs), o.atMs));
  }

  /**
   * Begins an outage (ending the one in force first). `refuse` stops listening and `reset`
   * drops the open connections; a 5xx outage ends the open status streams. It ends after `durationMs` real milliseconds, or at `end()`.
   */
  start(kind: OutageKind, durationMs?: number): void {
    if (this.#active) void this.end();
    this.#started += 1;
    const timer = durationMs === undefined ? undefined : setTimeout(() => void this.end(), durationMs);
    this.#active = { kind, timer };
    if (kind === "refuse") this.hooks.stopListening();
    if (kind === "refuse" || kind === "reset") this.#dropped += this.hooks.dropConnections();
    else this.hooks.endStreams();
    this.hooks.changed();
  }

  /** Ends the outage in force; resolves once the emulator answers again. */
  async end(): Promise<void> {
    const active = this.#active;
    if (!active) return;
    this.#active = undefined;
    clearTimeout(active.timer);
    if (active.kind === "refuse") await this.hooks.listen();
    this.hooks.changed();
  }

  /**
   * What a call meets now: `"reset"` (drop its connection), a 5xx reply, or undefined when fal
   * is up. (During a `refuse` outage no call arrives at all.)
   */
  intercept(): "reset" | Reply | undefined {
    const kind = this.#active?.kind;
    if (kind === undefined || kind === "refuse") return undefined;
    if (kind === "reset") {
      this.#resets += 1;
      return "reset";
    }
    this.#answered[kind] += 1;
    return json(Number(kind), { detail: DETAIL[kind] });
  }

  stats(): OutageStats {
    return {
      started: this.#started,
      active: this.#active?.kind ?? null,
      dropped: this.#dropped,
      resets: this.#resets,
      answered: { ...this.#answered },
    };
  }

  /** Cancels what is scheduled (the emulator is closing); does not listen again. */
  dispose(): void {
    for (const t of this.#timers.splice(0)) clearTimeout(t);
    clearTimeout(this.#active?.timer);
    this.#active = undefined;
  }
}
