import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const EXAMPLES = join(ROOT, "examples", "scheduling");
const BIN = join(ROOT, "bin", "seedream-pipeline.js");
export const exec = promisify(execFile);

/** The key the example env file holds: the emulator is started accepting only it. */
export const EXAMPLE_FAL_KEY = "replace-with-your-fal-key";

/** What the examples' commands reach, stood up on 127.0.0.1. */
export interface Services {
  readonly falBaseUrl: string;
  readonly s3Url: string;
  readonly notifyUrl: string;
}

/**
 * A machine's folders under a temporary root, as the examples name them: `/srv/catalog` (the
 * clone's pipelines, one product), `/etc/seedream-pipeline/env` (the example env file, with the local S3
 * server's credentials), `/var/log/seedream`, the Kubernetes volumes, and `seedream-pipeline`
 * on the PATH (the built CLI, its fal traffic sent to the emulator).
 */
export interface Sandbox {
  readonly root: string;
  readonly shims: string;
  /** A command line of an example, with its paths and URLs made the sandbox's. */
  map(command: string): string;
}

export async function makeSandbox(root: string, services: Services): Promise<Sandbox> {
  const at = (p: string) => join(root, p);
  await cp(join(ROOT, "pipelines"), at("srv/catalog/pipelines"), { recursive: true });
  // The Kubernetes catalog volume holds the manifest, its CSV and photos at its top.
  await cp(join(ROOT, "pipelines"), at("catalog"), { recursive: true });
  // One product (3 jobs) is enough to show a command works; the machine is shared.
  for (const dir of ["srv/catalog/pipelines", "catalog"]) {
    const csv = (await readFile(at(`${dir}/products.csv`), "utf8")).split("\n");
    await writeFile(at(`${dir}/products.csv`), `${csv.slice(0, 2).join("\n")}\n`);
  }
  await mkdir(at("data/output"), { recursive: true });
  await mkdir(at("var/log/seedream"), { recursive: true });
  await mkdir(at("etc/seedream-pipeline"), { recursive: true });
  const env = (await readFile(join(EXAMPLES, "env"), "utf8"))
    .replace(/^AWS_ACCESS_KEY_ID=.*$/m, "AWS_ACCESS_KEY_ID=S3RVER")
    .replace(/^AWS_SECRET_ACCESS_KEY=.*$/m, "AWS_SECRET_ACCESS_KEY=S3RVER");
  await writeFile(at("etc/seedream-pipeline/env"), env, { mode: 0o600 });
  const shims = at("bin");
  await mkdir(shims);
  await writeFile(
    join(shims, "seedream-pipeline"),
    [
      "#!/bin/sh",
      `export SEEDREAM_FAL_BASE_URL='${services.falBaseUrl}'`,
      "export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true",
      `exec '${process.execPath}' '${BIN}' "$@"`,
      "",
    ].join("\n"),
  );
  await chmod(join(shims, "seedream-pipeline"), 0o755);
  const pairs: Array<[RegExp, string]> = [
    [/\/etc\/seedream-pipeline\//g, `${at("etc/seedream-pipeline")}/`],
    [/\/srv\/catalog\b/g, at("srv/catalog")],
    [/\/var\/log\/seedream\b/g, at("var/log/seedream")],
    [/(^|\s)\/catalog\//g, `$1${at("catalog")}/`],
    [/(^|\s)\/data\/output\b/g, `$1${at("data/output")}`],
    [/https:\/\/hc-ping\.com\//g, `${services.notifyUrl}/`],
    [
      /--endpoint https:\/\/ACCOUNT_ID\.r2\.cloudflarestorage\.com/g,
      `--endpoint ${services.s3Url} --force-path-style`,
    ],
  ];
  return {
    root,
    shims,
    map: (command) => pairs.reduce((text, [from, to]) => text.replace(from, to), command),
  };
}

/** An HTTP server answering 200 to every request, recording `METHOD path`. */
export async function startPingServer(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => res.end("OK"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** systemd's own parser of environment files (the environment.d generator shares it with EnvironmentFile=). */
export const SYSTEMD_ENV_GENERATOR = [
  "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
  "/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
].find((p) => existsSync(p));

/** The variables systemd reads from `file`, by running its parser over it alone. */
export async function readBySystemd(
  generator: string,
  file: string,
  scratch: string,
): Promise<Record<string, string>> {
  const run = async (config: string) => {
    const { stdout } = await exec(generator, [], { env: { XDG_CONFIG_HOME: config, HOME: scratch } });
    return parseLines(stdout);
  };
  const empty = join(scratch, "empty");
  const withFile = join(scratch, "with-file");
  await mkdir(join(empty, "environment.d"), { recursive: true });
  await mkdir(join(withFile, "environment.d"), { recursive: true });
  await cp(file, join(withFile, "environment.d", "example.conf"));
  // What the machine's own environment.d files add is the same in both runs: keep the difference.
  const base = await run(empty);
  const all = await run(withFile);
  return Object.fromEntries(Object.entries(all).filter(([k, v]) => base[k] !== v));
}

/** The variables a POSIX shell exports after `set -a && . file && set +a` (the crontab's words). */
export async function readByShell(shell: string, file: string): Promise<Record<string, string>> {
  const { stdout: before } = await exec(shell, ["-c", "env"], { env: {} });
  const { stdout } = await exec(shell, ["-c", `set -a && . '${file}' && set +a && env`], { env: {} });
  const base = parseLines(before);
  return Object.fromEntries(Object.entries(parseLines(stdout)).filter(([k, v]) => base[k] !== v));
}

/** The keys and values of the Secret `kubectl create secret generic --from-env-file` makes. */
export async function readByKubectl(file: string): Promise<Record<string, string>> {
  const { stdout } = await exec(
    "kubectl",
    ["create", "secret", "generic", "example", `--from-env-file=${file}`, "--dry-run=client", "-o", "json"],
    { timeout: 30_000 },
  );
  const data = (JSON.parse(stdout) as { data?: Record<string, string> }).data ?? {};
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );
}

function parseLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Whether a program is on the PATH. */
export async function has(program: string): Promise<boolean> {
  return exec("sh", ["-c", `command -v ${program}`]).then(
    () => true,
    () => false,
  );
}

/** `[Section] Key=Value` lines of a systemd unit (the last value of a repeated key wins). */
export function unitSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}
