import type { FalRequest } from "./request-store.js";

/** What fal accepted and billed, as the emulator counts it. */
export interface LedgerStats {
  readonly submits: {
    /** Submits accepted (stored and queued): each one is a request fal will bill if it succeeds. */
    readonly accepted: number;
    /** Accepted submits whose endpoint and body (as canonical JSON) an earlier accepted one had. */
    readonly duplicates: number;
    /** Accepted submits whose answer never reached the client (connection gone when it was due). */
    readonly unanswered: number;
  };
  readonly billing: {
    /** Requests that completed with images (fal bills those). */
    readonly completed: number;
    readonly images: number;
    /** Images × the price of their endpoint. */
    readonly costUsd: number;
    readonly byEndpoint: Readonly<Record<string, { completed: number; images: number; costUsd: number }>>;
  };
}

/** JSON with object keys sorted at every depth: equal bodies give equal strings. */
function canonicalKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Counts accepted submits (and bodies accepted twice) and bills each request that completes with images. */
export class Ledger {
  readonly #bodies = new Set<string>();
  readonly #billed = new Set<string>();
  readonly #byEndpoint = new Map<string, { completed: number; images: number; costUsd: number }>();
  accepted = 0;
  duplicates = 0;
  unanswered = 0;

  constructor(private readonly priceOf: (endpointId: string) => number) {}

  /** A submit fal accepted. */
  accept(request: FalRequest): void {
    this.accepted += 1;
    const key = `${request.endpoint.id}\n${canonicalKey(request.input)}`;
    if (this.#bodies.has(key)) this.duplicates += 1;
    else this.#bodies.add(key);
  }

  /** Called on every change of a request: bills it once, when it has completed with images. */
  observe(request: FalRequest): void {
    const p = request.phase;
    if (p.kind !== "completed" || p.outcome.httpStatus !== 200 || this.#billed.has(request.id)) return;
    this.#billed.add(request.id);
    const images = (p.outcome.body as { images?: unknown[] }).images?.length ?? 0;
    const row = this.#byEndpoint.get(request.endpoint.id) ?? { completed: 0, images: 0, costUsd: 0 };
    row.completed += 1;
    row.images += images;
    row.costUsd += images * this.priceOf(request.endpoint.id);
    this.#byEndpoint.set(request.endpoint.id, row);
  }

  stats(): LedgerStats {
    const rows = [...this.#byEndpoint.values()];
    const sum = (f: (r: { completed: number; images: number; costUsd: number }) => number) =>
      rows.reduce((s, r) => s + f(r), 0);
    return {
      submits: { accepted: this.accepted, duplicates: this.duplicates, unanswered: this.unanswered },
      billing: {
        completed: sum((r) => r.completed),
        images: sum((r) => r.images),
        // Cents-exact: a sum of float prices drifts in the last digits.
        costUsd: Math.round(sum((r) => r.costUsd) * 1e6) / 1e6,
        byEndpoint: Object.fromEntries([...this.#byEndpoint].map(([id, r]) => [id, { ...r }])),
      },
    };
  }
}
