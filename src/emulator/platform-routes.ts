import { ENDPOINTS } from "../endpoints/index.js";
import type { Call } from "./context.js";
import { historyPage, parseHistoryQuery } from "./history.js";
import { authorize, json, type Reply } from "./http.js";

/** The price per image the emulator charges for an endpoint: the configured one, else built in. */
export function priceOf(prices: Readonly<Record<string, number>>, endpointId: string): number | undefined {
  return prices[endpointId] ?? ENDPOINTS.find((e) => e.id === endpointId)?.pricePerImageUsd;
}

/** `GET /v1/models/requests/by-endpoint`: the account's requests to one endpoint (fal's Platform API). */
export async function requestHistory({ ctx, req, url, method }: Call): Promise<Reply> {
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  if (method !== "GET") return json(405, { detail: "Method not allowed" });
  const query = parseHistoryQuery(url.searchParams, Date.now());
  if ("param" in query)
    return json(422, { detail: [{ loc: ["query", query.param], msg: query.message, type: "value_error" }] });
  const { historyDelayMs, historyBadItems } = ctx.faults.current;
  return json(
    200,
    historyPage(ctx.store.all(), query, {
      now: Date.now(),
      ...(historyDelayMs === undefined ? {} : { delayMs: historyDelayMs }),
      ...(historyBadItems === undefined ? {} : { badItems: historyBadItems }),
    }),
  );
}

/**
 * `GET /v1/models/pricing?endpoint_id=A,B`: the unit price of each endpoint named (every
 * endpoint the emulator serves when none is); an endpoint it does not know is left out.
 */
export async function pricing({ ctx, req, url, method }: Call): Promise<Reply> {
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  if (method !== "GET") return json(405, { detail: "Method not allowed" });
  const named = url.searchParams
    .getAll("endpoint_id")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  const ids = named.length > 0 ? [...new Set(named)] : ENDPOINTS.map((e) => e.id);
  const prices = ids.flatMap((id) => {
    const unitPrice = priceOf(ctx.opts.prices, id);
    return unitPrice === undefined
      ? []
      : [{ endpoint_id: id, unit_price: unitPrice, unit: "image", currency: "USD" }];
  });
  return json(200, { prices, next_cursor: null, has_more: false });
}
