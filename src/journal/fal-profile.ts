import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../files/index.js";
import { readRegularFile } from "../manifest/index.js";
import type { HistoryTrust } from "../model/doubt.js";

/** The file `doctor --live` writes what it verified of fal into. */
export const FAL_PROFILE_FILE = "fal-profile.json";

/** A profile is a few lines per endpoint: anything past this is not one. */
const MAX_PROFILE_BYTES = 256 * 1024;
/** A listing delay past a day is not a measurement the runner can wait on. */
const MAX_DELAY_MS = 86_400_000;

const endpointSchema = z.object({
  /** When `doctor --live` checked it (ISO time). */
  checked_at: z.string().max(64),
  /** The submit reply's status/response/cancel URLs are the ones the runner uses. */
  submit_urls: z.boolean(),
  /** The status stream sent events (and, for a request that lasted past 15 s, keep-alives). */
  stream_events: z.boolean(),
  keep_alive_seen: z.boolean(),
  /** The request was listed in the history with a `json_input` of the digest sent. */
  history_lists_input: z.boolean(),
  /** How long after the request ended it was listed (ms). */
  listing_delay_ms: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
  /** The result's stated content_type, width and height match the bytes. */
  metadata_matches: z.boolean(),
});

const profileSchema = z.object({
  version: z.literal(1),
  /** `fal`, or the base URL the checks went to: a profile says nothing of another target. */
  target: z.string().max(2048),
  endpoints: z.record(z.string().max(256), endpointSchema),
});

/** What `doctor --live` verified of one endpoint. */
export type EndpointProfile = z.infer<typeof endpointSchema>;
/** What `doctor --live` verified of fal, for one target. */
export type FalProfile = z.infer<typeof profileSchema>;

/** Where a user's profile lives when no output folder is named: `$XDG_CONFIG_HOME/seedream-pipeline/`. */
export function userProfilePath(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "seedream-pipeline", FAL_PROFILE_FILE);
}

/** A profile file, or undefined when there is none, it is unreadable or it is another target's. */
async function readOne(path: string, target: string): Promise<FalProfile | undefined> {
  const read = await readRegularFile(path, MAX_PROFILE_BYTES);
  if (!("bytes" in read)) return undefined;
  try {
    const parsed = profileSchema.safeParse(JSON.parse(read.bytes.toString("utf8")));
    return parsed.success && parsed.data.target === target ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: as if there were none (nothing is trusted that was not verified)
  }
}

/**
 * The profile that holds for `target`: the state folder's, else the user's; with where it was
 * read from. A file that is not a profile of this target counts as none.
 */
export async function readFalProfile(
  paths: readonly string[],
  target: string,
): Promise<{ readonly profile: FalProfile; readonly path: string } | undefined> {
  for (const path of paths) {
    const profile = await readOne(path, target);
    if (profile) return { profile, path };
  }
  return undefined;
}

/**
 * Writes a profile whole (atomically, never through a link), merged over what the file held for
 * the same target.
 */
export async function writeFalProfile(path: string, profile: FalProfile): Promise<void> {
  const before = await readOne(path, profile.target);
  const merged: FalProfile = { ...profile, endpoints: { ...before?.endpoints, ...profile.endpoints } };
  await writeFileAtomic(path, `${JSON.stringify(merged, null, 2)}\n`, { syncFolder: true });
}

/**
 * What reconciliation may rely on from a profile (none: nothing is): "not listed" means "never
 * accepted" only for an endpoint whose history was seen listing a request by the exact input.
 */
export function historyTrust(found: { profile: FalProfile; path: string } | undefined): HistoryTrust {
  return {
    unverified(endpoint) {
      const e = found?.profile.endpoints[endpoint];
      if (!e)
        return "fal's request history has not been verified to list a request by the exact input sent (run `seedream-pipeline doctor --live` for this target)";
      if (!e.history_lists_input)
        return `doctor --live found that fal's request history does not list a request by the exact input sent (${found?.path})`;
      return undefined;
    },
    listingDelayMs(endpoint) {
      return found?.profile.endpoints[endpoint]?.listing_delay_ms ?? 0;
    },
  };
}
