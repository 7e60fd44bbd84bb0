import type { IncomingMessage, ServerResponse } from "node:http";

/** An answer a route gives: status, JSON body and extra headers. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

/** fal's 422 for a body that is not JSON. */
export const INVALID_JSON: Reply = json(422, {
  detail: [{ loc: ["body"], msg: "Invalid JSON", type: "value_error.jsondecode" }],
});

/** Reads a request's whole body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a JSON body (an empty one is `null` when `emptyIsNull`); undefined when it does not parse. */
export async function readJsonBody(
  req: IncomingMessage,
  emptyIsNull = false,
): Promise<{ value: unknown } | undefined> {
  try {
    const text = (await readBody(req)).toString("utf8");
    return { value: JSON.parse(emptyIsNull && text === "" ? "null" : text) };
  } catch {
    return undefined;
  }
}

/** Writes a reply as JSON, unless the connection is gone. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
  res.end(JSON.stringify(reply.body));
}

/**
 * Checks `Authorization: Key …` as fal does: 401 JSON when it is missing or malformed, or
 * (with `apiKeys`) not one of them. Undefined when the call may go on.
 */
export function authorize(req: IncomingMessage, apiKeys: readonly string[] | undefined): Reply | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Key\s+(.+)$/.exec(header) : null;
  if (!match?.[1])
    return json(401, { detail: "Missing or malformed Authorization header: expected 'Key <key>'" });
  if (apiKeys && !apiKeys.includes(match[1])) return json(401, { detail: "Invalid API key" });
  return undefined;
}
