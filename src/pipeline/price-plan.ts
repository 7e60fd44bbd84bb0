import { dirname } from "node:path";
import type { Clock } from "../clock.js";
import { PipelineError } from "../errors.js";
import { loadPrices, type PlatformAccess } from "../fal/index.js";
import { checkStateFolder } from "../journal/state-folder.js";
import {
  type Job,
  type Plan,
  type PriceAnswer,
  repriceJobs,
  repricePlan,
  settlePrices,
} from "../plan/index.js";

/** How `pricePlan` asks fal for prices. */
export interface PricePlanOptions {
  /** How to reach fal's pricing endpoint; undefined asks nothing (the cache, else the plan's own prices). */
  readonly access: PlatformAccess | undefined;
  /** Why fal is not asked, when `access` is undefined (e.g. no FAL_KEY): the note of each price. */
  readonly notAsked?: string;
  /** The output folder's state folder, where fal's answer is cached for a day. */
  readonly stateDir: string;
  readonly clock: Clock;
  /** Make the state folder to cache in (`run`); `plan` caches only in one a run made. @default true */
  readonly makeStateDir?: boolean;
  /** Longest wait for fal's pricing endpoint, in ms. @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * Prices a plan from fal's pricing endpoint (or its cached answer), else keeps its own prices
 * (the manifest's, else the built-in table) with a note saying why: each job's price, the
 * estimated cost and `plan.prices` follow. `allJobs` (every job of the manifest) is repriced too.
 */
export async function pricePlan(
  plan: Plan,
  allJobs: readonly Job[],
  options: PricePlanOptions,
): Promise<{ plan: Plan; allJobs: Job[] }> {
  const ids = plan.prices.map((p) => p.endpointId);
  // `plan` reads and writes the cache too: its folder is checked as a run's is.
  await checkStateFolder(dirname(options.stateDir));
  const quotes = await loadPrices({
    endpointIds: ids,
    access: options.access ? { timeoutMs: options.timeoutMs ?? 10_000, ...options.access } : undefined,
    stateDir: options.stateDir,
    clock: options.clock,
    ...(options.makeStateDir === undefined ? {} : { makeStateDir: options.makeStateDir }),
  });
  const answers = new Map<string, PriceAnswer>();
  for (const [id, q] of quotes)
    answers.set(id, {
      unitPriceUsd: q.unitPriceUsd,
      source: q.source,
      ...(q.fetchedAt === undefined ? {} : { fetchedAt: q.fetchedAt }),
      ...((q.note ?? options.notAsked) === undefined ? {} : { note: q.note ?? options.notAsked }),
    });
  const prices = settlePrices(plan.prices, answers);
  return { plan: repricePlan(plan, prices), allJobs: repriceJobs(allJobs, prices) };
}

/**
 * Throws when an endpoint has no price (one only fal's pricing endpoint can price, and it did
 * not): a night whose cost cannot be known is not started, the budget and the report would be wrong.
 */
export function refuseUnpriced(prices: Plan["prices"]): void {
  for (const p of prices)
    if (p.source === "none")
      throw new PipelineError(
        "MANIFEST_INVALID",
        `no price per image for ${p.endpointId}${p.note ? ` (${p.note})` : ""}: set it in the manifest's \`prices\``,
      );
}
