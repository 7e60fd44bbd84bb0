import { type ModelAnswer, type ModelEntry, modelItem, parseModelItem } from "../endpoints/index.js";
import { DayCache, type DayCacheOptions } from "./day-cache.js";
import { type PlatformAccess, platformGet } from "./platform-api.js";

/** What `loadModels` needs: the endpoints, and the day cache's (`models.json` in the state folder). */
interface LoadModelsOptions extends DayCacheOptions {
  /** Endpoint ids to look up (a renamed endpoint's ids all together: one call asks for them all). */
  readonly endpointIds: readonly string[];
}

/** A Model Search entry fal answered, as the cache keeps it. */
interface CachedModel {
  readonly item: unknown;
  readonly fetchedAt: number;
}

/** The most pages of one answer followed: a few ids never need more, and a looping cursor must end. */
const MAX_PAGES = 5;
/** One OpenAPI document is tens of KB; a handful of them well under this. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Asks fal's Model Search API for `ids`; per id, its entry or why there is none. */
async function askFal(
  access: PlatformAccess,
  ids: readonly string[],
): Promise<Map<string, ModelEntry | string>> {
  const out = new Map<string, ModelEntry | string>();
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = { endpoint_id: ids, expand: "openapi-3.0", cursor };
      const body = (await platformGet(access, "/models", query, undefined, MAX_ANSWER_BYTES)) as {
        models?: unknown;
        has_more?: unknown;
        next_cursor?: unknown;
      };
      for (const raw of Array.isArray(body?.models) ? body.models : []) {
        const entry = parseModelItem(raw);
        if (entry && ids.includes(entry.endpointId) && !out.has(entry.endpointId))
          out.set(entry.endpointId, entry);
      }
      if (body?.has_more !== true || typeof body.next_cursor !== "string") break;
      cursor = body.next_cursor;
    }
  } catch (error) {
    const why = `fal's Model Search API failed: ${error instanceof Error ? error.message : String(error)}`;
    for (const id of ids) if (!out.has(id)) out.set(id, why);
    return out;
  }
  for (const id of ids) if (!out.has(id)) out.set(id, "fal's Model Search API does not list it");
  return out;
}

/**
 * Each endpoint's Model Search entry (status and OpenAPI schema): a cached answer younger than
 * `maxAgeMs`, else fal's Model Search API (`GET /v1/models?endpoint_id=…&expand=openapi-3.0`;
 * the answer is cached), else why there is none. Never throws for fal's sake.
 */
export async function loadModels(options: LoadModelsOptions): Promise<Map<string, ModelAnswer>> {
  const now = options.clock.now();
  const cache = await DayCache.open<CachedModel>(options, "models.json", "models");
  const { fresh: answers, stale } = cache.split<ModelAnswer>(options.endpointIds, (_, c) => {
    const entry = parseModelItem(c.item);
    return entry && { entry, source: "cache", fetchedAt: c.fetchedAt };
  });
  if (stale.length === 0 || !options.access) return answers;
  const fresh = await askFal(options.access, stale);
  let changed = false;
  for (const id of stale) {
    const answer = fresh.get(id);
    if (answer === undefined) continue;
    if (typeof answer === "string") {
      answers.set(id, { note: answer });
      continue;
    }
    answers.set(id, { entry: answer, source: "fal", fetchedAt: now });
    cache.set(id, { item: modelItem(answer), fetchedAt: now });
    changed = true;
  }
  if (changed) await cache.save();
  return answers;
}
