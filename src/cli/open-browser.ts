import { spawn } from "node:child_process";

/** Opens a URL in the user's browser; resolves once the opener started (or failed to). */
export type OpenUrl = (url: string) => Promise<void>;

/** The command that opens a URL here: `$BROWSER` when set (an executable), else the system's. */
function opener(env: Readonly<Record<string, string | undefined>>): { cmd: string; args: string[] } {
  if (env.BROWSER) return { cmd: env.BROWSER, args: [] };
  if (process.platform === "darwin") return { cmd: "open", args: [] };
  if (process.platform === "win32") return { cmd: "cmd", args: ["/c", "start", '""'] };
  return { cmd: "xdg-open", args: [] };
}

/**
 * The default `OpenUrl`: runs the opener detached (the review server does not wait for the
 * browser, nor stop with it); an opener that cannot start rejects, so the caller can say so.
 */
export function systemOpener(env: Readonly<Record<string, string | undefined>>): OpenUrl {
  return (url) =>
    new Promise((resolve, reject) => {
      const { cmd, args } = opener(env);
      const child = spawn(cmd, [...args, url], { detached: true, stdio: "ignore" });
      child.once("error", reject);
      child.once("spawn", () => {
        child.unref();
        resolve();
      });
    });
}
