import { PipelineError } from "../errors.js";
import type { FalTarget } from "./edit-client.js";
import { EMULATOR_CREDENTIALS } from "./secrets.js";

/** Where fal traffic goes and with which credentials; `description` is safe to print. */
export interface FalAccess {
  readonly target: FalTarget;
  readonly credentials: string | undefined;
  /** `fal`, or the base URL: never the key. */
  readonly description: string;
  /**
   * Where results come from, recorded with each request in the journal: `fal`, `emulator`
   * (the built-in one, whatever its port) or the base URL. A job made against one source is
   * not up to date for another, so emulator pictures never pass for paid work.
   * @default description
   */
  readonly source?: string;
}

/** How a source reads in a message: "the emulator", "fal", or the base URL. */
export function describeSource(source: string): string {
  return source === "emulator" ? "the emulator" : source;
}

export interface AccessChoice {
  /** The built-in emulator's URL, when `--emulator` started one. */
  readonly emulatorUrl?: string;
  /** `--fal-base-url`. */
  readonly baseUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The key as `@fal-ai/client` finds it: FAL_KEY, else FAL_KEY_ID:FAL_KEY_SECRET. */
export function credentialsFromEnv(env: AccessChoice["env"]): string | undefined {
  if (env.FAL_KEY) return env.FAL_KEY;
  if (env.FAL_KEY_ID && env.FAL_KEY_SECRET) return `${env.FAL_KEY_ID}:${env.FAL_KEY_SECRET}`;
  return undefined;
}

function checkBaseUrl(raw: string, from: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PipelineError("USAGE", `${from} is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new PipelineError("USAGE", `${from} must be an http(s) URL, got ${url.protocol}`);
  return url.toString().replace(/\/$/, "");
}

/**
 * Where a run with these choices would get its results (`FalAccess.source`), without needing a
 * key: for `plan` and `--dry-run`, which send nothing. `emulator` stands for `--emulator`.
 */
export function falSource(choice: {
  readonly emulator?: boolean;
  readonly baseUrl?: string;
  readonly env: AccessChoice["env"];
}): string {
  if (choice.emulator) return "emulator";
  const rawBase = choice.baseUrl ?? choice.env.SEEDREAM_FAL_BASE_URL;
  if (rawBase !== undefined && rawBase !== "")
    return checkBaseUrl(rawBase, choice.baseUrl !== undefined ? "--fal-base-url" : "SEEDREAM_FAL_BASE_URL");
  return "fal";
}

/**
 * Decides where fal traffic goes. The emulator is never a silent fallback: without
 * `--emulator` or a base URL, traffic goes to fal and FAL_KEY is required.
 */
export function resolveFalAccess(choice: AccessChoice): FalAccess {
  if (choice.emulatorUrl !== undefined)
    // The emulator accepts any key; a real FAL_KEY is not sent to it.
    return {
      target: { kind: "base-url", baseUrl: choice.emulatorUrl },
      credentials: EMULATOR_CREDENTIALS,
      description: choice.emulatorUrl,
      source: "emulator",
    };
  const rawBase = choice.baseUrl ?? choice.env.SEEDREAM_FAL_BASE_URL;
  if (rawBase !== undefined && rawBase !== "") {
    const from = choice.baseUrl !== undefined ? "--fal-base-url" : "SEEDREAM_FAL_BASE_URL";
    const baseUrl = checkBaseUrl(rawBase, from);
    return {
      target: { kind: "base-url", baseUrl },
      credentials: credentialsFromEnv(choice.env),
      description: baseUrl,
      source: baseUrl,
    };
  }
  const credentials = credentialsFromEnv(choice.env);
  if (!credentials)
    throw new PipelineError(
      "FAL_CREDENTIALS_MISSING",
      "FAL_KEY is not set: export FAL_KEY to run against fal, or pass --emulator to run against the built-in emulator",
    );
  return { target: { kind: "fal" }, credentials, description: "fal", source: "fal" };
}
