import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { Clock } from "../clock.js";
import { type ModelAnswer, type ModelEntry, modelItem, parseModelItem } from "../endpoints/index.js";
import { type PlatformAccess, platformGet } from "./platform-api.js";

/** What `loadModels` needs. */
interface LoadModelsOptions {
  /** Endpoint ids to look up (a renamed endpoint's ids all together: one call asks for them all). */
  readonly endpointIds: readonly string[];
  /** How to reach fal; undefined uses only the cache. */
  readonly access: PlatformAccess | undefined;
  /** The run's state folder; fal's answers are cached in `models.json` there. */
  readonly stateDir: string;
  readonly clock: Clock;
  /** How long a cached answer is used before fal is asked again. @default one day */
  readonly maxAgeMs?: number;
  /** Make the state folder to cache in; false caches only where it exists (`plan`, `validate`). @default true */
  readonly makeStateDir?: boolean;
  /**
   * With `makeStateDir: false`, given the save that could not be made yet (no state folder), for
   * a caller that makes the folder once the manifest is known to be valid (a run).
   */
  readonly saveLater?: (save: () => Promise<void>) => void;
}

/** The cache file: entries fal answered, for one target (fal itself, or a base URL). */
interface CacheFile {
  readonly target: string;
  readonly models: Record<string, { item: unknown; fetchedAt: number }>;
}

const DAY_MS = 24 * 3600 * 1000;
/** The most pages of one answer followed: a few ids never need more, and a looping cursor must end. */
const MAX_PAGES = 5;
/** One OpenAPI document is tens of KB; a handful of them well under this. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

function targetName(access: PlatformAccess | undefined): string {
  return access?.target.kind === "base-url" ? access.target.baseUrl : "fal";
}

async function readCache(path: string, target: string): Promise<CacheFile["models"]> {
  try {
    const file = JSON.parse(await readFile(path, "utf8")) as Partial<CacheFile>;
    // Schemas from another target (the emulator, a proxy) say nothing about this one.
    return file.target === target && file.models && typeof file.models === "object" ? file.models : {};
  } catch {
    return {}; // none yet, or unreadable: asked again
  }
}

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
  const maxAge = options.maxAgeMs ?? DAY_MS;
  const target = targetName(options.access);
  const path = join(options.stateDir, "models.json");
  const cached = await readCache(path, target);
  const answers = new Map<string, ModelAnswer>();
  const stale: string[] = [];
  for (const id of new Set(options.endpointIds)) {
    const c = cached[id];
    const entry = c ? parseModelItem(c.item) : undefined;
    if (c && entry && now - c.fetchedAt >= 0 && now - c.fetchedAt < maxAge)
      answers.set(id, { entry, source: "cache", fetchedAt: c.fetchedAt });
    else stale.push(id);
  }
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
    cached[id] = { item: modelItem(answer), fetchedAt: now };
    changed = true;
  }
  if (changed) await saveCache(options, path, { target, models: cached });
  return answers;
}

/** Writes the cache (see `makeStateDir` and `saveLater`). */
async function saveCache(options: LoadModelsOptions, path: string, file: CacheFile): Promise<void> {
  const write = async () => {
    await mkdir(options.stateDir, { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(file)}\n`, { fsync: true });
  };
  if (options.makeStateDir === false && !existsSync(options.stateDir)) {
    options.saveLater?.(write);
    return;
  }
  await mkdir(options.stateDir, { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(file)}\n`, { fsync: true });
}
