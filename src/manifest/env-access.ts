/**
 * Which environment variables a template may read. The environment of a nightly job holds
 * credentials (the fal key, the AWS keys the S3 destination uses, CI tokens): a template that
 * could read any of them would put it into every prompt, report, sidecar and gallery page.
 * So a template reads only what the manifest lists under `env:`, or a name with the documented
 * prefix, and never a name that looks like a credential, even when listed.
 */

/** Names with this prefix are readable without being listed: a standalone CSV has no `env:`. */
export const ENV_PREFIX = "SEEDREAM_VAR_";

/** Whole families of credentials: fal's and the AWS SDK's. */
const CREDENTIAL_PREFIX = /^(FAL|AWS)_/i;
/** Parts of a name that say it holds a secret (`GITHUB_TOKEN`, `DB_PASSWORD`, `OPENAI_API_KEY`). */
const SECRET_WORD = /KEY|SECRET|TOKEN|PASSW|PWD|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|SIGNATURE|CERT/i;

/** Whether `name` is, or looks like, a credential. */
export function looksSecret(name: string): boolean {
  return CREDENTIAL_PREFIX.test(name) || SECRET_WORD.test(name);
}

/** Why no template may read `name`, whatever the manifest lists; undefined when one may. */
export function secretRefusal(name: string): string | undefined {
  return looksSecret(name)
    ? `a template may not read ${name}: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars`
    : undefined;
}

/**
 * Why a template may not read `name`, or undefined when it may. `declared`: the manifest's
 * `env:` list; undefined for a standalone CSV, which has none.
 */
export function envRefusal(name: string, declared: readonly string[] | undefined): string | undefined {
  const secret = secretRefusal(name);
  if (secret) return secret;
  if (name.startsWith(ENV_PREFIX) || declared?.includes(name)) return undefined;
  return declared
    ? `${name} is not listed under \`env:\`: a template reads only the variables the manifest lists there (add \`env: [${name}]\`) or those named ${ENV_PREFIX}*`
    : `a standalone CSV reads only environment variables named ${ENV_PREFIX}*, not ${name} (or use a YAML manifest, which lists the ones it reads under \`env:\`)`;
}
