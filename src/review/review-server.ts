import { randomBytes, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";
import { readBytes, writeFileAtomic } from "../files/index.js";
import { galleryThumbPath, thumbnailBytes } from "../outputs/index.js";
import type { DecisionStore } from "./decision-store.js";
import { decisionInput } from "./decisions.js";
import { filterItems, itemFacets } from "./review-items.js";
import { REVIEW_SCRIPTS, reviewPage, reviewScript } from "./review-page.js";
import type { ReviewState } from "./review-state.js";

const decisionsBody = z.object({ decisions: z.array(decisionInput).min(1).max(5000) }).strict();

const sameToken = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  avif: "image/avif",
  gif: "image/gif",
};

/**
 * The review app's routes (hono). Every request must name this server as its Host (127.0.0.1
 * or localhost on our port), so a page on another site cannot reach it through DNS rebinding;
 * a request that changes anything must carry the session's token in `x-review-token` (it is
 * only in the page this server serves, which another origin cannot read) and a JSON body.
 */
export function reviewApp(state: ReviewState, store: DecisionStore, token: string, port: () => number): Hono {
  // Long because it is the route table: each route is a few lines, and the checks every route
  // shares (Host, token) are seen beside them.
  const app = new Hono();
  app.use(async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (host !== `127.0.0.1:${port()}` && host !== `localhost:${port()}`)
      return c.text("this review server answers only as 127.0.0.1 or localhost", 403);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    await next();
    return undefined;
  });
  app.use("/api/*", async (c, next) => {
    if (c.req.method === "GET") return next();
    if (!sameToken(c.req.header("x-review-token") ?? "", token))
      return c.json({ error: "missing or wrong x-review-token" }, 403);
    if (!(c.req.header("content-type") ?? "").startsWith("application/json"))
      return c.json({ error: "expected application/json" }, 415);
    return next();
  });

  app.get("/", (c) => {
    c.header(
      "content-security-policy",
      "default-src 'self'; img-src 'self' https: data:; style-src 'unsafe-inline'; script-src 'self'",
    );
    return c.html(reviewPage(state.report.pipeline, token));
  });
  app.get("/app/:name", (c) => {
    const name = REVIEW_SCRIPTS.find((n) => n === c.req.param("name"));
    if (!name) return c.text("not found", 404);
    return c.body(reviewScript(name), 200, { "content-type": "text/javascript; charset=utf-8" });
  });

  app.get("/api/items", async (c) => {
    await state.refresh();
    const q = c.req.query();
    const all = state.items();
    const shown = filterItems(all, {
      ...(q.status ? { status: q.status } : {}),
      ...(q.review ? { review: q.review } : {}),
      ...(q.model ? { model: q.model } : {}),
      ...(q.size ? { size: q.size } : {}),
      ...(q.text ? { text: q.text } : {}),
      failuresFirst: q.failuresFirst === "1",
    });
    const offset = Math.max(0, Number(q.offset) || 0);
    const limit = Math.min(1000, Math.max(1, Number(q.limit) || 200));
    return c.json({
      pipeline: state.report.pipeline,
      run: state.report.run.id,
      total: shown.length,
      offset,
      items: shown.slice(offset, offset + limit),
      facets: itemFacets(all),
      warnings: state.warnings,
    });
  });

  app.post("/api/decisions", async (c) => {
    const parsed = decisionsBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]?.message ?? "bad body" }, 400);
    const recorded = await store.record(
      parsed.data.decisions.map((d) => ({ ...d, by: "review" as const }) as never),
    );
    return c.json({ recorded: recorded.length, at: recorded[0]?.at });
  });

  const image = (thumb: boolean) => async (c: import("hono").Context) => {
    const sha = c.req.param("sha") ?? "";
    const path = /^[0-9a-f]{64}$/.test(sha) ? state.file(sha) : undefined;
    if (!path) return c.text("not found", 404);
    c.header("cache-control", "private, max-age=3600");
    if (!thumb) {
      const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
      // Never through a link: one in the output folder would serve a file from outside it.
      const bytes = await readBytes(path, { within: state.outputDir });
      if (!bytes) return c.text("not found", 404);
      return c.body(new Uint8Array(bytes), 200, {
        "content-type": IMAGE_TYPES[ext] ?? "application/octet-stream",
      });
    }
    const cached = join(state.outputDir, galleryThumbPath(sha));
    let bytes: Buffer | undefined = await readBytes(cached, { within: state.outputDir }).catch(
      () => undefined,
    );
    if (!bytes) {
      const made = await thumbnailBytes(path);
      await writeFileAtomic(cached, made, { within: state.outputDir });
      bytes = made;
    }
    return c.body(new Uint8Array(bytes), 200, { "content-type": "image/webp" });
  };
  app.get("/image/:sha", image(false));
  app.get("/thumb/:sha", image(true));
  return app;
}

/** A running review server. */
export interface ReviewServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/** Serves the review app on 127.0.0.1 only, on `port` (0: a free one). */
export async function startReviewServer(
  state: ReviewState,
  store: DecisionStore,
  port = 0,
): Promise<ReviewServer> {
  const token = randomBytes(24).toString("hex");
  let bound = 0;
  const app = reviewApp(state, store, token, () => bound);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
      bound = info.port;
      resolve(s);
    });
    s.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${bound}/`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        const http = server as import("node:http").Server;
        http.closeAllConnections?.();
        http.close(() => resolve());
      }),
  };
}
