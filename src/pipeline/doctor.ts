import type { Clock } from "../clock.js";
import { type FalAccess, type PlatformAccess, PlatformApiError, platformGet } from "../fal/index.js";
import { type FalProfile, historyTrust, readFalProfile, writeFalProfile } from "../journal/fal-profile.js";
import { type DoctorLine, liveCheck } from "./doctor-live.js";

/** What `doctor` needs. */
export interface DoctorOptions {
  readonly access: FalAccess;
  /** The endpoints the night will use. */
  readonly endpointIds: readonly string[];
  /** Where the fal profile is read from, first found first; `--live` writes the first. */
  readonly profilePaths: readonly [string, ...string[]];
  /** Send one smallest (billed) request per endpoint and record what was verified. */
  readonly live: boolean;
  readonly clock: Clock;
  /** The night's bounds on a submit in doubt (`--start-timeout`, `--max-run-time`). */
  readonly startTimeoutS: number;
  readonly maxRunTimeMs: number;
  readonly fetch?: typeof fetch;
  readonly say: (line: DoctorLine) => void;
}

const why = (error: unknown) => (error instanceof Error ? error.message : String(error));
const statusOf = (error: unknown) => (error instanceof PlatformApiError ? error.status : undefined);

/** The key, and the prices it reads: one pricing call says both (a 401 is the key). */
async function checkPricing(platform: PlatformAccess, ids: readonly string[]): Promise<DoctorLine[]> {
  try {
    const body = (await platformGet(platform, "/models/pricing", { endpoint_id: ids.join(",") })) as {
      prices?: Array<{ endpoint_id?: unknown; unit_price?: unknown; unit?: unknown }>;
    };
    const rows = Array.isArray(body.prices) ? body.prices : [];
    const said = ids.map((id) => {
      const r = rows.find((row) => row.endpoint_id === id);
      return r ? `${id} $${String(r.unit_price)}/${String(r.unit)}` : `${id} not priced`;
    });
    return [
      {
        level: "ok",
        check: "key",
        detail: "accepted by fal's Platform API",
        means: "the night can submit with it",
      },
      {
        level: rows.length === ids.length ? "ok" : "warn",
        check: "pricing",
        detail: said.join("; "),
        means: "jobs are priced and budgeted with fal's prices (an endpoint not priced: the built-in price)",
      },
    ];
  } catch (error) {
    const status = statusOf(error);
    if (status === 401)
      return [
        {
          level: "fail",
          check: "key",
          detail: why(error),
          means: "the night would stop at its first submit (exit 2)",
        },
      ];
    if (status === 403)
      return [
        {
          level: "ok",
          check: "key",
          detail: "accepted (403: a scope, not the key)",
          means: "the night can submit with it",
        },
        {
          level: "warn",
          check: "pricing",
          detail: why(error),
          means: "jobs are priced with the built-in prices",
        },
      ];
    return [
      {
        level: "fail",
        check: "key",
        detail: why(error),
        means: "fal's Platform API cannot be reached: the night cannot be checked",
      },
    ];
  }
}

/** Whether this key may read the request history of an endpoint. */
async function checkHistory(platform: PlatformAccess, id: string): Promise<DoctorLine> {
  try {
    await platformGet(platform, "/models/requests/by-endpoint", { endpoint_id: id, limit: "1" });
    return {
      level: "ok",
      check: `${id}: request history`,
      detail: "readable with this key's scope",
      means: "a submit whose answer never came is looked up there, not paid twice",
    };
  } catch (error) {
    return {
      level: "fail",
      check: `${id}: request history`,
      detail: why(error),
      means: "submits in doubt cannot be reconciled: each waits for a person (--retry-failed)",
    };
  }
}

/** The endpoint's status and schema as fal's Model Search API says them. */
async function checkModel(platform: PlatformAccess, id: string): Promise<DoctorLine> {
  const check = `${id}: model`;
  try {
    const body = (await platformGet(platform, "/models", { endpoint_id: id, expand: "openapi-3.0" })) as {
      models?: Array<{ endpoint_id?: unknown; metadata?: { status?: unknown }; openapi?: unknown }>;
    };
    const item = (Array.isArray(body.models) ? body.models : []).find((m) => m?.endpoint_id === id);
    if (!item)
      return {
        level: "fail",
        check,
        detail: "fal's Model Search API does not list it",
        means: "every submit to it would fail",
      };
    const status = String(item.metadata?.status ?? "active");
    const schema = item.openapi !== undefined && item.openapi !== null ? "an OpenAPI schema" : "no schema";
    return {
      level: status === "deprecated" ? "warn" : "ok",
      check,
      detail: `${status}, ${schema}`,
      means:
        status === "deprecated"
          ? "fal may retire it: move the manifest to its successor"
          : "its input is validated against fal's schema before anything is sent",
    };
  } catch (error) {
    return {
      level: "warn",
      check,
      detail: `fal's Model Search API did not answer: ${why(error)}`,
      means: "the night validates with the definitions shipped in the package",
    };
  }
}

/** What the night will assume of each endpoint's doubts, from the profile. */
function assumptions(
  options: DoctorOptions,
  found: { profile: FalProfile; path: string } | undefined,
): DoctorLine[] {
  const trust = historyTrust(found);
  const bound = options.startTimeoutS * 1000 + options.maxRunTimeMs;
  return options.endpointIds.map((id) => {
    const unverified = trust.unverified(id);
    const delay = trust.listingDelayMs(id);
    return {
      level: unverified === undefined ? "ok" : "warn",
      check: `${id}: the night assumes`,
      detail:
        unverified === undefined
          ? `verified ${found?.profile.endpoints[id]?.checked_at} (${found?.path})`
          : unverified,
      means:
        unverified === undefined
          ? `a submit in doubt not listed ${((bound + delay) / 1000).toFixed(0)} s after it left (start timeout + max run time + ${(delay / 1000).toFixed(1)} s listing delay) is sent again`
          : "a submit in doubt that fal's history does not list waits for a person (--retry-failed), never sent again on its own",
    };
  });
}

/**
 * `seedream-pipeline doctor`: checks, with the user's key and sending nothing billable, what a
 * night relies on (key, pricing, history, models, what it will assume); with `live`, sends one
 * smallest request per endpoint, verifies the queue, stream, history and result, and records
 * it in the fal profile. Resolves with the number of failed checks.
 */
export async function runDoctor(options: DoctorOptions): Promise<number> {
  let failed = 0;
  const say = (line: DoctorLine) => {
    if (line.level === "fail") failed += 1;
    options.say(line);
  };
  const platform: PlatformAccess = {
    target: options.access.target,
    credentials: options.access.credentials,
    timeoutMs: 30_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const key = await checkPricing(platform, options.endpointIds);
  for (const line of key) say(line);
  if (key[0]?.level === "fail") return failed;
  for (const id of options.endpointIds) {
    say(await checkHistory(platform, id));
    say(await checkModel(platform, id));
  }
  // The built-in emulator's port changes from run to run: it is one target whatever its port.
  const target = options.access.source ?? options.access.description;
  if (options.live) {
    const endpoints: FalProfile["endpoints"] = {};
    for (const id of options.endpointIds) {
      try {
        endpoints[id] = await liveCheck(
          id,
          {
            access: options.access,
            clock: options.clock,
            startTimeoutS: options.startTimeoutS,
            waitMs: options.startTimeoutS * 1000 + options.maxRunTimeMs,
            ...(options.fetch ? { fetch: options.fetch } : {}),
          },
          say,
        );
      } catch (error) {
        say({
          level: "fail",
          check: `${id}: live request`,
          detail: why(error),
          means: "nothing is recorded for it",
        });
      }
    }
    if (Object.keys(endpoints).length > 0) {
      await writeFalProfile(options.profilePaths[0], { version: 1, target, endpoints });
      say({
        level: "ok",
        check: "fal profile",
        detail: `written to ${options.profilePaths[0]}`,
        means: "runs into this folder use it",
      });
    }
  }
  for (const line of assumptions(options, await readFalProfile(options.profilePaths, target))) say(line);
  return failed;
}
