import { credentialsInEnv, SecretScrubber } from "../log/secret-scrubber.js";

export { SecretScrubber };

/** The key the built-in emulator is sent: a stand-in, not a secret (and a word of ordinary text). */
export const EMULATOR_CREDENTIALS = "emulator";

/**
 * What is scrubbed from fal's answers when the caller says nothing: the credentials sent (but
 * the emulator's stand-in), and every other credential the process holds in its environment
 * (an AWS secret echoed by whatever answers at fal's address must not reach a file either).
 */
export function scrubberFor(
  credentials: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SecretScrubber {
  return new SecretScrubber([
    credentials === EMULATOR_CREDENTIALS ? undefined : credentials,
    ...credentialsInEnv(env),
  ]);
}
