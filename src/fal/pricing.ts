import { findEndpoint } from "../endpoints/index.js";
import { DayCache, type DayCacheOptions } from "./day-cache.js";
import { type PlatformAccess, platformGet } from "./platform-api.js";

/** Where a price came from: fal's pricing endpoint now, the state folder's copy of it, or the built-in table. */
export type PriceSource = "fal" | "cache" | "built-in";

/** The price of one generated image at an endpoint. */
export interface PriceQuote {
  readonly endpointId: string;
  readonly unitPriceUsd: number;
  readonly source: PriceSource;
  /** When fal answered it (epoch ms), for `fal` and `cache`. */
  readonly fetchedAt?: number;
  /** Why the built-in price is used, when fal was asked and could not give one. */
  readonly note?: string;
}

/**
 * What `loadPrices` needs: the endpoints, and the day cache's (`prices.json` in the state
 * folder; `plan` makes no folder: `makeStateDir: false`).
 */
export interface LoadPricesOptions extends Omit<DayCacheOptions, "saveLater"> {
  readonly endpointIds: readonly string[];
}

/** A price fal answered, as the cache keeps it. */
interface CachedPrice {
  readonly unitPriceUsd: number;
  readonly fetchedAt: number;
}

function builtIn(endpointId: string, note?: string): PriceQuote | undefined {
  const endpoint = findEndpoint(endpointId);
  if (endpoint?.pricePerImageUsd === undefined) return undefined;
  return {
    endpointId,
    unitPriceUsd: endpoint.pricePerImageUsd,
    source: "built-in",
    ...(note ? { note } : {}),
  };
}

/** Asks fal for the prices of `ids`; per id, a price per image in USD or why there is none. */
async function askFal(access: PlatformAccess, ids: readonly string[]): Promise<Map<string, number | string>> {
  const out = new Map<string, number | string>();
  let body: { prices?: unknown };
  try {
    body = (await platformGet(access, "/models/pricing", { endpoint_id: ids.join(",") })) as {
      prices?: unknown;
    };
  } catch (error) {
    const why = `fal's pricing endpoint failed: ${error instanceof Error ? error.message : String(error)}`;
    for (const id of ids) out.set(id, why);
    return out;
  }
  const rows = Array.isArray(body.prices) ? (body.prices as Array<Record<string, unknown>>) : [];
  for (const id of ids) {
    const row = rows.find((r) => r.endpoint_id === id);
    if (!row) out.set(id, "fal's pricing endpoint does not list it");
    else if (row.unit !== "image" || row.currency !== "USD" || typeof row.unit_price !== "number")
      out.set(id, `fal prices it per ${String(row.unit)} in ${String(row.currency)}, not per image in USD`);
    else {
      const problem = priceProblem(id, row.unit_price);
      out.set(id, problem === undefined ? row.unit_price : `fal's pricing endpoint answered ${problem}`);
    }
  }
  return out;
}

/** How far from the built-in price a price may be, either way, and still be believed. */
const PRICE_FACTOR = 10;
/** The most an image of an endpoint not in the built-in table is believed to cost. */
const MAX_UNKNOWN_PRICE_USD = 5;

/**
 * Why `usd` is not a price to budget with, or undefined when it is: not finite, ≤ 0, or more
 * than `PRICE_FACTOR` times off what the endpoint is known to cost. A price of 0 or less would
 * turn the budget off; fal's answer, or a cache file, may hold anything.
 */
export function priceProblem(endpointId: string, usd: unknown): string | undefined {
  if (typeof usd !== "number" || !Number.isFinite(usd) || usd <= 0)
    return `${String(usd)} per image, not a price (not a finite number > 0)`;
  const known = findEndpoint(endpointId)?.pricePerImageUsd;
  if (known === undefined)
    return usd > MAX_UNKNOWN_PRICE_USD ? `$${usd} per image, over $${MAX_UNKNOWN_PRICE_USD}` : undefined;
  if (usd < known / PRICE_FACTOR || usd > known * PRICE_FACTOR)
    return `$${usd} per image, more than ${PRICE_FACTOR} times off its known $${known}`;
  return undefined;
}

/**
 * The price per image of each endpoint: a cached fal price younger than `maxAgeMs`, else fal's
 * pricing endpoint (the answer is cached), else the built-in table (with a note saying why).
 * Never throws for fal's sake: a price is always found for a known endpoint; an unknown
 * endpoint that fal does not price is left out.
 */
export async function loadPrices(options: LoadPricesOptions): Promise<Map<string, PriceQuote>> {
  const now = options.clock.now();
  const cache = await DayCache.open<CachedPrice>(options, "prices.json", "prices", 2);
  const { fresh: quotes, stale } = cache.split<PriceQuote>(options.endpointIds, (id, c) =>
    priceProblem(id, c.unitPriceUsd) === undefined
      ? { endpointId: id, unitPriceUsd: c.unitPriceUsd, source: "cache", fetchedAt: c.fetchedAt }
      : undefined,
  );
  if (stale.length === 0) return quotes;
  const answers = options.access ? await askFal(options.access, stale) : new Map<string, number | string>();
  let fresh = false;
  for (const id of stale) {
    const answer = answers.get(id);
    if (typeof answer === "number") {
      quotes.set(id, { endpointId: id, unitPriceUsd: answer, source: "fal", fetchedAt: now });
      cache.set(id, { unitPriceUsd: answer, fetchedAt: now });
      fresh = true;
    } else {
      const quote = builtIn(id, answer);
      if (quote) quotes.set(id, quote);
    }
  }
  if (fresh) await cache.save();
  return quotes;
}
