import type { Logger } from "../log/logger.js";

/**
 * Healthchecks-style pings for cron: `<url>/start` when the run starts, and the run summary
 * as JSON to `<url>` when it ends well or `<url>/fail` when it does not. A ping that fails is
 * logged, never fatal.
 */
export async function notify(
  url: string,
  kind: "start" | "success" | "fail",
  body: unknown,
  logger: Logger,
): Promise<void> {
  const target = kind === "success" ? url : `${url.replace(/\/$/, "")}/${kind}`;
  try {
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      logger.warn({ url: target, status: response.status }, "notify: the hook answered an error");
  } catch (error) {
    logger.warn({ url: target, cause: (error as Error).message }, "notify: the hook could not be reached");
  }
}
