import { findEndpoint } from "../endpoints/index.js";
import { GALLERY_STYLE, galleryScript } from "./gallery-client.js";
import { escapeHtml as esc, scriptJson } from "./html.js";
import type { Report, ReportJob, StreamedReport } from "./types.js";
import { rowTitle, WORDS } from "./words.js";

/** Jobs per data page of the gallery (`.gallery/data/page-N.js`). */
export const GALLERY_PAGE_SIZE = 200;
/** Failures listed by name on the gallery's first screen (all are reachable with the filter). */
const FAILURES_LISTED = 50;

/** The files of the gallery: `index.html` and the data it loads from `.gallery/data/`. */
export interface GalleryFiles {
  readonly html: string;
  /** `.gallery/data/index.js`: what the filters need to know about every job. */
  readonly index: string;
  readonly pageCount: number;
  /** `.gallery/data/page-N.js` (N from 1), made one at a time so memory stays flat. */
  pages(): Iterable<{ readonly n: number; readonly text: string }>;
}

/** Where an output's gallery thumbnail is (relative to the folder), if it has one. */
export type ThumbOf = (output: { readonly path: string; readonly sha256: string }) => string | undefined;

/** A job's input images as the gallery shows them: a thumbnail (relative or a URL) and the name the manifest gives. */
export type GalleryInputsOf = (
  jobKey: string,
) => ReadonlyArray<{ readonly thumb: string; readonly source: string }>;

const isFailure = (j: ReportJob) => j.status === "failed" || j.status === "canceled";
const modelOf = (endpoint: string) => findEndpoint(endpoint)?.model ?? endpoint;

function groupTitle(job: ReportJob): string {
  const title = rowTitle(job.row);
  return title ? `${title} — ${job.prompt_name}` : job.prompt_name;
}

/** Where a job's (first) image stands in review, for the decision filter. */
const reviewOf = (job: ReportJob) =>
  job.outputs.length === 0 ? "none" : (job.outputs[0]?.review?.state ?? "pending");

/** What a page holds of one job: enough to draw its tile, in short keys (100,000 of them). */
function tileData(job: ReportJob, thumbOf: ThumbOf, inputsOf: GalleryInputsOf) {
  const inputs = inputsOf(job.key);
  const message = job.status === "skipped" ? job.reason : (job.error?.message ?? job.reason);
  return {
    i: job.id,
    s: job.status,
    z: job.size_name,
    m: modelOf(job.endpoint),
    g: groupTitle(job),
    p: String(job.input.prompt ?? ""),
    ...(job.request_id === undefined ? {} : { r: job.request_id }),
    ...(message === undefined ? {} : { e: message }),
    o: job.outputs.map((o) => [
      o.path,
      thumbOf(o) ?? o.path,
      o.width,
      o.height,
      ...(o.review ? [o.review.state, o.review.note ?? o.review.lapsed ?? ""] : []),
    ]),
    ...(inputs.length > 0 ? { n: inputs.map((x) => [x.thumb, x.source]) } : {}),
  };
}

function searchText(job: ReportJob): string {
  return [job.id, ...Object.values(job.row ?? {}), job.prompt_name, String(job.input.prompt ?? "")]
    .join(" ")
    .toLowerCase()
    .slice(0, 300);
}

function indexScript(report: StreamedReport): string {
  const statuses: string[] = [];
  const sizes: string[] = [];
  const models: string[] = [];
  const reviews: string[] = [];
  const code = (list: string[], v: string) => {
    let i = list.indexOf(v);
    if (i < 0) i = list.push(v) - 1;
    return i;
  };
  const st: number[] = [];
  const sz: number[] = [];
  const md: number[] = [];
  const rv: number[] = [];
  const q: string[] = [];
  for (const job of report.jobs) {
    st.push(code(statuses, job.status));
    sz.push(code(sizes, job.size_name));
    md.push(code(models, modelOf(job.endpoint)));
    rv.push(code(reviews, reviewOf(job)));
    q.push(searchText(job));
  }
  return `galleryIndex(${scriptJson({ statuses, sizes, models, reviews, st, sz, md, rv, q })});\n`;
}

/** What fal was paid across the folder's runs, and what it still holds (pending, in doubt). */
function spendHtml(spend: Report["totals"]["spend"]): string {
  if (!spend) return "";
  const all = spend.all_runs;
  const open = all.pending.requests + all.in_doubt.requests;
  const held = all.pending.cost_usd + all.in_doubt.cost_usd;
  return `<span>all runs: $${all.completed.cost_usd.toFixed(3)} for ${all.completed.requests} requests${open > 0 ? `, ${open} still at fal (up to $${held.toFixed(3)})` : ""}</span>`;
}

/** Over every job: the images this run made, the first failures (with their place) and how many. */
function scan(report: StreamedReport) {
  let made = 0;
  let failureCount = 0;
  let jobs = 0;
  const failures: Array<{ j: ReportJob; i: number }> = [];
  for (const j of report.jobs) {
    if (j.status === "succeeded") made += j.outputs.length;
    if (isFailure(j) && ++failureCount <= FAILURES_LISTED) failures.push({ j, i: jobs });
    jobs++;
  }
  return { made, failures, failureCount, jobs };
}

function summaryHtml(report: StreamedReport, scanned: ReturnType<typeof scan>): string {
  const t = report.totals;
  const { made, failures, failureCount } = scanned;
  const minutes = report.run.duration_ms / 60_000;
  const perMinute = minutes > 0 ? (made / minutes).toFixed(1) : "—";
  const est = t.estimated_cost_usd;
  const listed = failures
    .map(
      ({ j, i }) =>
        `<li><a href="#at=${i}">${esc(j.id)}</a> <span class="status">${esc(j.status)}</span> ${esc(j.error?.message ?? "")}</li>`,
    )
    .join("");
  const more =
    failureCount > FAILURES_LISTED
      ? `<li><a href="#status=failed">all ${failureCount} failures…</a></li>`
      : "";
  return `<div class="summary"><span>run ${esc(report.run.id)}</span><span>${t.jobs} jobs</span><span><a href="#status=succeeded">${t.succeeded} made this run</a></span><span><a href="#status=skipped">${t.skipped} up to date</a></span><span><a href="#status=failed" id="failed-link">${t.failed} failed</a></span><span><a href="#status=unfinished">${t.unfinished} unfinished (the next run resumes them)</a></span><span>${t.canceled + t.not_run} not run</span><span>${made} images made this run (${t.images} in all)</span><span>cost $${t.cost_usd.toFixed(3)} (estimated $${est.min.toFixed(3)}${est.max !== est.min ? `–$${est.max.toFixed(3)}` : ""})</span>${spendHtml(t.spend)}<span>${(report.run.duration_ms / 1000).toFixed(1)} s</span><span>${perMinute} images/min</span><span>ended: ${esc(report.run.ended_by)}</span>${report.review ? `<span>review: ${report.review.approved} approved, ${report.review.rejected} rejected, ${report.review.pending} pending</span>` : ""}</div>
${failureCount === 0 ? "" : `<details class="failures"${failureCount <= 10 ? " open" : ""}><summary>${failureCount} failure${failureCount === 1 ? "" : "s"}</summary><ul>${listed}${more}</ul></details>`}`;
}

/**
 * The review gallery, paged so it stays quick at 100,000 jobs: `index.html` holds the summary
 * (totals and the failures, across every job), the filters and the pager; each page of jobs
 * is a script under `.gallery/data/` loaded with a `<script>` element, so the gallery opens
 * from disk (file://) with no server. The filters (the review app's: decision, status, model,
 * size, text) use `.gallery/data/index.js`, loaded after the first screen. Each group of
 * variants shows its inputs (`inputsOf`). Pure but for reading its browser script once.
 */
export function galleryFiles(
  report: StreamedReport,
  thumbOf: ThumbOf,
  inputsOf: GalleryInputsOf = () => [],
): GalleryFiles {
  const scanned = scan(report);
  const n = scanned.jobs;
  const pageCount = Math.max(1, Math.ceil(n / GALLERY_PAGE_SIZE));
  const meta = { n, pageSize: GALLERY_PAGE_SIZE, pages: pageCount, words: WORDS };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.pipeline)} — review</title>
<style>${GALLERY_STYLE}</style></head><body data-busy="1">
<header><h1>${esc(report.pipeline)} · ${esc(report.model)}</h1>
${summaryHtml(report, scanned)}
<div class="filters"><select id="review" title="decision"><option value="">every decision</option></select><select id="status" title="status"><option value="">every status</option></select><select id="model" title="model"><option value="">every model</option></select><select id="size" title="size"><option value="">every size</option></select><input id="q" type="search" placeholder="search id, row, prompt"><span class="pager"><button id="prev">‹ prev</button> <span id="where"></span> <button id="next">next ›</button></span></div></header>
<main id="jobs"></main>
<script type="application/json" id="meta">${scriptJson(meta)}</script>
<script>${galleryScript()}</script></body></html>
`;
  return {
    html,
    index: indexScript(report),
    pageCount,
    *pages() {
      let tiles: Array<ReturnType<typeof tileData>> = [];
      let page = 0;
      const text = () => `galleryPage(${page}, ${scriptJson(tiles)});\n`;
      for (const job of report.jobs) {
        tiles.push(tileData(job, thumbOf, inputsOf));
        if (tiles.length === GALLERY_PAGE_SIZE) {
          page++;
          yield { n: page, text: text() };
          tiles = [];
        }
      }
      if (tiles.length > 0 || page === 0) {
        page++;
        yield { n: page, text: text() };
      }
    },
  };
}
