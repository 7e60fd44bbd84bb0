import { join, resolve } from "node:path";
import { type Clock, systemClock } from "../clock.js";
import type { FalAccess } from "../fal/index.js";
import type { Logger } from "../log/logger.js";
import { type Plan, schemaLine, schemasInForce } from "../plan/index.js";
import { RUN_DEFAULTS } from "../run/defaults.js";
import { type LoadedPlan, type LoadPlanOptions, loadPlan } from "./load-plan.js";
import { pricePlan, refuseUnpriced } from "./price-plan.js";
import { runEndpoints } from "./resolve-endpoints.js";

/** What loading and pricing a run's plan needs of the run's options. */
interface RunPlanOptions extends LoadPlanOptions {
  readonly manifestPath: string;
  readonly access: FalAccess;
  readonly fetch?: typeof fetch;
  readonly outputRoot?: string | undefined;
  readonly clock?: Clock;
}

/** A run's plan, loaded: and fal's answers about its models, to cache once the state folder is there. */
interface RunPlan extends LoadedPlan {
  readonly saveSchemas: () => Promise<void>;
}

/**
 * Loads a run's plan with each model's schema from fal's Model Search API where the run's fal
 * traffic goes (its cache, else the shipped snapshots); nothing is written before the manifest
 * is known to be valid (see `pricedPlan`).
 */
export async function loadRunPlan(options: RunPlanOptions): Promise<RunPlan> {
  const { target, credentials } = options.access;
  const endpoints = runEndpoints({
    access: { target, credentials, ...(options.fetch ? { fetch: options.fetch } : {}) },
    outputRoot: resolve(options.outputRoot ?? RUN_DEFAULTS.outputRoot),
    clock: options.clock ?? systemClock,
  });
  const loaded = await loadPlan(options.manifestPath, {
    ...options,
    endpoints: options.endpoints ?? endpoints.resolver,
  });
  return { ...loaded, saveSchemas: endpoints.save };
}

/**
 * The plan priced from fal's pricing endpoint where the run's fal traffic goes (cached a day
 * in the state folder), else the manifest's or built-in prices; each said in the log, with the
 * schema each endpoint was validated and sized against. An endpoint with no price at all stops
 * the run before anything is sent. The state folder exists: fal's schema answers are cached.
 */
export async function pricedPlan(
  loaded: RunPlan,
  outputDir: string,
  options: RunPlanOptions,
  clock: Clock,
  logger: Logger,
): Promise<{ plan: Plan; allJobs: Plan["jobs"] }> {
  await loaded.saveSchemas();
  for (const s of schemasInForce(loaded.plan))
    logger.info({ endpoint: s.endpoint, source: s.source, status: s.status }, schemaLine(s));
  const { target, credentials } = options.access;
  const priced = await pricePlan(loaded.plan, loaded.allJobs, {
    access: { target, credentials, ...(options.fetch ? { fetch: options.fetch } : {}) },
    stateDir: join(outputDir, ".state"),
    clock,
  });
  refuseUnpriced(priced.plan.prices);
  for (const p of priced.plan.prices) {
    const fields = { endpoint: p.endpointId, usd: p.unitPriceUsd, source: p.source };
    if (p.note === undefined) logger.info(fields, "price per image");
    else logger.warn({ ...fields, note: p.note }, "fal's price could not be had; using this one");
  }
  return priced;
}
