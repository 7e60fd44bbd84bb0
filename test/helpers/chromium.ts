import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Makes sure Debian's Chromium is installed (as root, with apt-get), for the browser tests.
 * Returns why it cannot be, or undefined when it is there.
 */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.getuid?.() !== 0)
    return "Chromium is not installed and this user cannot install it (apt-get needs root)";
  try {
    execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 300_000 });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
      stdio: "ignore",
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (error) {
    return `Chromium could not be installed with apt-get: ${(error as Error).message.split("\n")[0]}`;
  }
  return existsSync(CHROMIUM) ? undefined : "apt-get ran but /usr/bin/chromium is missing";
}
