import type { Report, ReportJob } from "./types.js";

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** Jobs of one row and prompt: the size variants of one picture, shown side by side. */
function groups(
  report: Report,
): Array<{ title: string; prompt: string; row: Record<string, string>; jobs: ReportJob[] }> {
  const byKey = new Map<
    string,
    { title: string; prompt: string; row: Record<string, string>; jobs: ReportJob[] }
  >();
  for (const job of report.jobs) {
    const k = `${job.row_index ?? 0}\u0000${job.prompt_name}`;
    let g = byKey.get(k);
    if (!g) {
      const rowText = Object.values(job.row ?? {})
        .slice(0, 2)
        .join(" · ");
      g = {
        title: rowText ? `${rowText} — ${job.prompt_name}` : job.prompt_name,
        prompt: String(job.input.prompt ?? ""),
        row: { ...(job.row ?? {}) },
        jobs: [],
      };
      byKey.set(k, g);
    }
    g.jobs.push(job);
  }
  return [...byKey.values()];
}

function card(job: ReportJob, thumbOf: (path: string) => string | undefined): string {
  const images = job.outputs
    .map((o) => {
      const thumb = thumbOf(o.path) ?? o.path;
      return `<a href="${esc(o.path)}" title="${esc(o.path)} · ${o.width}×${o.height}"><img src="${esc(thumb)}" alt="${esc(job.id)}" loading="lazy"></a>`;
    })
    .join("");
  const error =
    job.status === "succeeded" || job.status === "skipped"
      ? ""
      : `<p class="error">${esc(job.error?.message ?? job.reason ?? job.status)}</p>`;
  const dims = job.outputs[0] ? `${job.outputs[0].width}×${job.outputs[0].height}` : "";
  return `<figure class="variant ${esc(job.status)}" data-status="${esc(job.status)}" data-size="${esc(job.size_name)}">
<div class="images">${images || '<div class="none">no image</div>'}</div>
<figcaption><b>${esc(job.size_name)}</b> ${esc(dims)} <span class="status">${esc(job.status)}</span><br><code>${esc(job.id)}</code>${job.request_id ? `<br><small>request ${esc(job.request_id)}</small>` : ""}</figcaption>
${error}</figure>`;
}

/**
 * The review page: a self-contained HTML file (no server, no CDN; images by relative path)
 * that works opened from disk. Thumbnails grouped by row and prompt with size variants side by
 * side, failed jobs inline with their error, filters by status, size and text, and a summary.
 * Pure.
 */
export function galleryHtml(report: Report, thumbOf: (path: string) => string | undefined): string {
  const t = report.totals;
  const minutes = report.run.duration_ms / 60_000;
  const perMinute = minutes > 0 ? (t.images / minutes).toFixed(1) : "—";
  const sizes = [...new Set(report.jobs.map((j) => j.size_name))];
  const statuses = [...new Set(report.jobs.map((j) => j.status))];
  const sections = groups(report)
    .map((g) => {
      const search = [g.title, g.prompt, ...Object.values(g.row), ...g.jobs.map((j) => j.id)]
        .join(" ")
        .toLowerCase();
      return `<section class="group" data-search="${esc(search)}">
<h2>${esc(g.title)}</h2><p class="prompt">${esc(g.prompt)}</p>
<div class="variants">${g.jobs.map((j) => card(j, thumbOf)).join("\n")}</div></section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.pipeline)} — review</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
header{position:sticky;top:0;background:#1f2937;color:#fff;padding:12px 20px;z-index:1}
header h1{margin:0 0 6px;font-size:18px}.summary span{margin-right:14px}
.filters{margin-top:8px}.filters select,.filters input{margin-right:8px;padding:4px}
main{padding:16px 20px}.group{background:#fff;border-radius:8px;padding:12px 16px;margin-bottom:16px;box-shadow:0 1px 2px #0002}
.group h2{margin:0;font-size:16px}.prompt{color:#555;margin:4px 0 10px}
.variants{display:flex;gap:12px;flex-wrap:wrap}.variant{margin:0;width:240px;border:1px solid #ddd;border-radius:6px;padding:8px}
.variant img{max-width:100%;max-height:200px;display:block;margin:0 auto 4px;background:#eee}
.variant.failed,.variant.canceled,.variant.not_run{border-color:#e11d48;background:#fff1f2}
.error{color:#b91c1c;font-size:13px;margin:6px 0 0;word-break:break-word}.status{float:right;font-size:12px;color:#555}
.none{height:120px;display:flex;align-items:center;justify-content:center;color:#999;background:#f3f3f3}
code{font-size:12px}.hidden{display:none!important}
</style></head><body>
<header><h1>${esc(report.pipeline)} · ${esc(report.model)}</h1>
<div class="summary"><span>run ${esc(report.run.id)}</span><span>${t.jobs} jobs</span><span>${t.succeeded} succeeded</span><span>${t.skipped} up to date</span><span>${t.failed} failed</span><span>${t.canceled + t.not_run} not run</span><span>${t.images} images</span><span>cost $${t.cost_usd.toFixed(3)} (estimated $${t.estimated_cost_usd.min.toFixed(3)}${t.estimated_cost_usd.max !== t.estimated_cost_usd.min ? `–$${t.estimated_cost_usd.max.toFixed(3)}` : ""})</span><span>${(report.run.duration_ms / 1000).toFixed(1)} s</span><span>${perMinute} images/min</span><span>ended: ${esc(report.run.ended_by)}</span></div>
<div class="filters"><select id="status"><option value="">all statuses</option>${statuses.map((s) => `<option>${esc(s)}</option>`).join("")}</select><select id="size"><option value="">all sizes</option>${sizes.map((s) => `<option>${esc(s)}</option>`).join("")}</select><input id="q" type="search" placeholder="search id, prompt, row"></div></header>
<main>${sections}</main>
<script>
const f = () => {
  const st = document.getElementById("status").value, sz = document.getElementById("size").value, q = document.getElementById("q").value.toLowerCase();
  for (const g of document.querySelectorAll(".group")) {
    let shown = 0;
    for (const v of g.querySelectorAll(".variant")) {
      const ok = (!st || v.dataset.status === st) && (!sz || v.dataset.size === sz) && (!q || g.dataset.search.includes(q));
      v.classList.toggle("hidden", !ok);
      if (ok) shown++;
    }
    g.classList.toggle("hidden", shown === 0);
  }
};
for (const id of ["status", "size", "q"]) document.getElementById(id).addEventListener("input", f);
</script></body></html>
`;
}
