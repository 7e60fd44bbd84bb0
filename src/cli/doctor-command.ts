import { join, resolve } from "node:path";
import { systemClock } from "../clock.js";
import type { Emulator } from "../emulator/index.js";
import { ENDPOINTS } from "../endpoints/index.js";
import { PipelineError } from "../errors.js";
import { resolveFalAccess } from "../fal/index.js";
import { FAL_PROFILE_FILE, userProfilePath } from "../journal/fal-profile.js";
import { runDoctor } from "../pipeline/doctor.js";
import { loadPlan } from "../pipeline/load-plan.js";
import { EXIT } from "./exit-codes.js";
import { planOptions } from "./plan-command.js";
import type { CliIo } from "./streams.js";

export interface DoctorFlags {
  readonly live?: boolean;
  readonly output: string;
  readonly emulator?: boolean;
  readonly falBaseUrl?: string;
  readonly startTimeout: number;
  readonly maxRunTime: number;
  readonly model?: string;
  readonly name?: string;
}

/** The endpoints and profile files of a manifest's night, or of every Seedream endpoint and the user's profile. */
async function scope(manifest: string | undefined, flags: DoctorFlags, io: CliIo) {
  const user = userProfilePath(io.env);
  if (manifest === undefined)
    return { ids: ENDPOINTS.map((e) => e.id), paths: [user] as [string, ...string[]] };
  const { plan } = await loadPlan(manifest, planOptions(flags, io));
  const state = join(resolve(flags.output, plan.name), ".state", FAL_PROFILE_FILE);
  const ids = [...new Set(plan.jobs.map((j) => j.endpoint.id))];
  return { ids, paths: [state, user] as [string, ...string[]] };
}

/** `seedream-pipeline doctor [manifest]`: one line per check, exit 1 when the night needs one that fails. */
export async function doctorCommand(
  manifest: string | undefined,
  flags: DoctorFlags,
  io: CliIo,
): Promise<number> {
  if (flags.emulator && flags.falBaseUrl !== undefined)
    throw new PipelineError("USAGE", "--emulator and --fal-base-url exclude each other");
  // The emulator is never a silent fallback: without it or a base URL, FAL_KEY is required.
  if (!flags.emulator)
    resolveFalAccess({ env: io.env, ...(flags.falBaseUrl ? { baseUrl: flags.falBaseUrl } : {}) });
  const { ids, paths } = await scope(manifest, flags, io);
  let emulator: Emulator | undefined;
  try {
    if (flags.emulator) {
      const { startEmulator } = await import("../emulator/index.js");
      emulator = await startEmulator({ timeScale: 0.01 });
    }
    const access = resolveFalAccess({
      env: io.env,
      ...(emulator ? { emulatorUrl: emulator.url } : {}),
      ...(flags.falBaseUrl ? { baseUrl: flags.falBaseUrl } : {}),
    });
    io.stdout.write(
      `doctor: ${access.description}${flags.live ? ", live: one request per endpoint (billed)" : ", nothing billable sent"}\n`,
    );
    const failed = await runDoctor({
      access,
      endpointIds: ids,
      profilePaths: paths,
      live: flags.live === true,
      clock: systemClock,
      startTimeoutS: Math.ceil(flags.startTimeout / 1000),
      maxRunTimeMs: flags.maxRunTime,
      say: (l) => io.stdout.write(`${l.level.padEnd(4)} ${l.check}: ${l.detail} → ${l.means}\n`),
    });
    io.stdout.write(
      failed === 0
        ? "doctor: the night has what it needs\n"
        : `doctor: ${failed} check${failed === 1 ? "" : "s"} failed\n`,
    );
    return failed === 0 ? EXIT.ok : EXIT.jobsFailed;
  } finally {
    await emulator?.close();
  }
}
