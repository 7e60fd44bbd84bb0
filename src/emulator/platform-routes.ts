import { modelItem } from "../endpoints/index.js";
import type { Call } from "./context.js";
import { historyPage, parseHistoryQuery } from "./history.js";
import { authorize, json, type Reply } from "./http.js";
import { type ServedModel, servedModel } from "./models.js";

/** The price per image the emulator charges for an endpoint (any of its ids): the configured one, else built in. */
export function priceOf(
  prices: Readonly<Record<string, number>>,
  models: readonly ServedModel[],
  endpointId: string,
): number | undefined {
  const endpoint = servedModel(models, endpointId)?.endpoint;
  return prices[endpointId] ?? (endpoint && prices[endpoint.id]) ?? endpoint?.pricePerImageUsd;
}

/** The `endpoint_id` values of a query, each once, as fal takes them: repeated or comma-separated. */
function namedIds(url: URL): string[] {
  const named = url.searchParams
    .getAll("endpoint_id")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return [...new Set(named)];
}

/**
 * `GET /v1/models` (fal's Model Search API, find mode): each named endpoint that is served, under
 * the id it was asked by (a renamed endpoint answers under both), with its OpenAPI document when
 * `expand=openapi-3.0`; every served endpoint when none is named. A key is optional, as at fal.
 */
export async function modelSearch({ ctx, req, url, method }: Call): Promise<Reply> {
  if (req.headers.authorization !== undefined) {
    const denied = authorize(req, ctx.opts.apiKeys);
    if (denied) return denied;
  }
  if (method !== "GET") return json(405, { detail: "Method not allowed" });
  const named = namedIds(url);
  const expand = url.searchParams.getAll("expand").flatMap((v) => v.split(","));
  const withSchema = expand.includes("openapi-3.0");
  const found =
    named.length > 0
      ? named.flatMap((id) => {
          const m = servedModel(ctx.opts.models, id);
          return m ? [{ ...m.entry, endpointId: id }] : [];
        })
      : ctx.opts.models.map((m) => m.entry);
  const models = found.map((entry) => {
    const { openapi, ...item } = modelItem(entry);
    return withSchema ? { ...item, openapi } : item;
  });
  return json(200, { models, next_cursor: null, has_more: false });
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
      input: ctx.opts.historyInput,
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
  const named = namedIds(url);
  const ids = named.length > 0 ? named : ctx.opts.models.map((m) => m.endpoint.id);
  const prices = ids.flatMap((id) => {
    const unitPrice = priceOf(ctx.opts.prices, ctx.opts.models, id);
    return unitPrice === undefined
      ? []
      : [{ endpoint_id: id, unit_price: unitPrice, unit: "image", currency: "USD" }];
  });
  return json(200, { prices, next_cursor: null, has_more: false });
}
