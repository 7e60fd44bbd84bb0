import { uploadTokenOf } from "./classify.js";
import type { Call } from "./context.js";
import { authorize, INVALID_JSON, json, type Reply, readBody, readJsonBody } from "./http.js";

/** `POST /storage/upload/initiate`: reserves an upload, answers its PUT URL and file URL. */
export async function initiateUpload({ ctx, req }: Call): Promise<Reply> {
  const denied = authorize(req, ctx.opts.apiKeys);
  if (denied) return denied;
  const body = await readJsonBody(req);
  if (!body) return INVALID_JSON;
  const meta = (body.value ?? {}) as { content_type?: unknown; file_name?: unknown };
  const contentType = typeof meta.content_type === "string" ? meta.content_type : "application/octet-stream";
  const fileName = typeof meta.file_name === "string" ? meta.file_name : "upload.bin";
  const { token, path } = ctx.files.initiate(fileName, contentType);
  return json(200, {
    upload_url: ctx.urls.cdn(`/storage/upload/blob/${token}`),
    file_url: ctx.urls.cdn(path),
  });
}

/** `PUT /storage/upload/blob/{token}`: the upload's bytes (the signed URL needs no key). */
export async function putUpload({ ctx, req, url }: Call): Promise<Reply> {
  const token = uploadTokenOf(url.pathname);
  if (!token) return json(404, { detail: `No route for PUT ${url.pathname}` });
  const bytes = await readBody(req);
  return ctx.files.complete(token, bytes, req.headers["content-type"])
    ? json(200, {})
    : json(404, { detail: "Unknown or used upload URL" });
}

/**
 * `GET|HEAD /files/…`: an uploaded or generated file. Downloads may be slowed, and result
 * downloads cut short, by the faults in force.
 */
export async function serveFile({ ctx, res, url, method, entry }: Call): Promise<Reply | undefined> {
  const path = url.pathname;
  const file = ctx.files.get(path);
  if (!file) return json(404, { detail: "File not found" });
  const headers = { "content-type": file.contentType, "content-length": String(file.bytes.length) };
  if (method === "HEAD") {
    entry.status = 200;
    res.writeHead(200, headers).end();
    return undefined;
  }
  const faults = ctx.faults.current;
  if (faults.slowDownloadsMs) await new Promise((r) => setTimeout(r, faults.slowDownloadsMs));
  entry.status = 200;
  res.writeHead(200, headers);
  if (path.startsWith("/files/results/") && ctx.faults.chance(faults.truncateDownloads)) {
    // Half the body, then the connection drops: the client sees fewer bytes than promised.
    res.write(file.bytes.subarray(0, Math.floor(file.bytes.length / 2)));
    setTimeout(() => res.destroy(), 5);
    return undefined;
  }
  res.end(file.bytes);
  return undefined;
}
