import { join } from "node:path";
import type { Clock } from "../clock.js";
import { type EndpointResolver, idsToAsk, resolveNames } from "../endpoints/index.js";
import { loadModels, type PlatformAccess } from "../fal/index.js";

/** How endpoint schemas are asked of fal for a manifest. */
interface FalEndpointsOptions {
  /** How to reach fal's Model Search API; undefined asks nothing (the cache, else the shipped snapshots). */
  readonly access: PlatformAccess | undefined;
  /** Why fal is not asked, when `access` is undefined (e.g. the built-in emulator). */
  readonly notAsked?: string;
  /** The output root: the pipeline's state folder `<outputRoot>/<name>/.state` caches fal's answers a day. */
  readonly outputRoot: string;
  readonly clock: Clock;
  /** Make the state folder to cache in (`run`); `plan` and `validate` cache only in one a run made. @default true */
  readonly makeStateDir?: boolean;
  /** Longest wait for fal's Model Search API, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** See `LoadModelsOptions.saveLater`. */
  readonly saveLater?: (save: () => Promise<void>) => void;
}

/**
 * A resolver that reads each model's status and schema from fal's Model Search API (cached a day
 * in the pipeline's state folder), falling back to the shipped snapshots of the Seedream
 * endpoints when fal cannot be asked or does not answer.
 */
export function falEndpoints(options: FalEndpointsOptions): EndpointResolver {
  return async (names, pipeline) => {
    const ids = [...new Set(names.flatMap((n) => idsToAsk(n) ?? []))];
    const answers = await loadModels({
      endpointIds: ids,
      access: options.access ? { timeoutMs: options.timeoutMs ?? 10_000, ...options.access } : undefined,
      stateDir: join(options.outputRoot, pipeline, ".state"),
      clock: options.clock,
      ...(options.makeStateDir === undefined ? {} : { makeStateDir: options.makeStateDir }),
      ...(options.saveLater ? { saveLater: options.saveLater } : {}),
    });
    const notAsked = options.notAsked ?? "fal's Model Search API was not asked";
    return resolveNames(names, answers, `${notAsked}, and only the Seedream endpoints ship a snapshot`);
  };
}

/**
 * A run's resolver (see `falEndpoints`) that leaves nothing on disk until the manifest is known
 * to be valid: `save()` then writes the cache of fal's answer (the state folder made).
 */
export function runEndpoints(options: Omit<FalEndpointsOptions, "makeStateDir" | "saveLater">): {
  resolver: EndpointResolver;
  save: () => Promise<void>;
} {
  const saves: Array<() => Promise<void>> = [];
  const resolver = falEndpoints({ ...options, makeStateDir: false, saveLater: (save) => saves.push(save) });
  return {
    resolver,
    save: async () => {
      for (const save of saves.splice(0)) await save();
    },
  };
}
