import { join } from "node:path";
import type { FalAccess } from "../fal/index.js";
import { FAL_PROFILE_FILE, historyTrust, readFalProfile, userProfilePath } from "../journal/fal-profile.js";
import type { Logger } from "../log/logger.js";
import type { HistoryTrust } from "../model/doubt.js";

/**
 * What `doctor --live` verified of this target's request history (the output folder's fal
 * profile, else the user's), said in the log when a doubt could not rely on it.
 */
export async function profileTrust(
  outputDir: string,
  options: { readonly access: FalAccess },
  logger: Logger,
): Promise<HistoryTrust> {
  const target = options.access.source ?? options.access.description;
  const paths = [join(outputDir, ".state", FAL_PROFILE_FILE), userProfilePath(process.env)];
  const found = await readFalProfile(paths, target);
  if (found)
    logger.info({ profile: found.path, endpoints: Object.keys(found.profile.endpoints) }, "fal profile");
  else
    logger.info(
      { target },
      "no fal profile for this target: a submit in doubt that fal's history does not list waits for a person (`seedream-pipeline doctor --live` verifies the history)",
    );
  return historyTrust(found);
}
