import { ENDPOINTS, type EndpointDefinition, findEndpointByPath } from "../endpoints/index.js";
import type { Operation } from "./record.js";

/** `/{owner}/{alias}/requests/{id}` with an optional `/status`, `/status/stream` or `/cancel`. */
const REQUEST_PATH = /^\/([^/]+)\/([^/]+)\/requests\/([^/]+?)(\/status\/stream|\/status|\/cancel)?\/?$/;

/**
 * A queue request path under `prefix` (`{prefix}/{owner}/{app}/requests/{id}…`): only the owner
 * and app of an endpoint id, as fal documents; an endpoint's sub-path there is no route.
 */
function requestPath(path: string, prefix: string): RegExpExecArray | null {
  if (prefix !== "" && !path.startsWith(`${prefix}/`)) return null;
  return REQUEST_PATH.exec(path.slice(prefix.length));
}

/** The request id a queue path names, or undefined when the path is not a queue request path. */
export function requestIdOf(path: string, prefix = ""): string | undefined {
  const m = requestPath(path, prefix);
  return m ? (m[3] ?? "") : undefined;
}

/** The token of a storage PUT path. */
export function uploadTokenOf(path: string): string | undefined {
  return /^\/storage\/upload\/blob\/([^/]+)$/.exec(path)?.[1];
}

const REQUEST_SUFFIX: Record<string, Operation> = {
  "/status": "status",
  "/status/stream": "status-stream",
  "/cancel": "cancel",
};

/** Which part of fal's protocol a method and path speak to; queue request paths under `queuePrefix`. */
export function classify(
  method: string,
  path: string,
  queuePrefix = "",
  endpoints: readonly EndpointDefinition[] = ENDPOINTS,
): Operation {
  if (path.startsWith("/_emulator/")) return "control";
  if (path.startsWith("/files/")) return "file";
  if (path.startsWith("/storage/upload/blob/")) return "upload-put";
  if (path === "/storage/upload/initiate") return "upload-initiate";
  if (path === "/v1/models/requests/by-endpoint") return "history";
  if (path === "/v1/models/pricing") return "pricing";
  if (path === "/v1/models") return "models";
  const m = requestPath(path, queuePrefix);
  if (m) return REQUEST_SUFFIX[m[4] ?? ""] ?? "result";
  if (method === "POST" && findEndpointByPath(path, endpoints)) return "submit";
  return "unknown";
}
