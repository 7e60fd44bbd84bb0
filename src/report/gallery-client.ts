/** The gallery's stylesheet. */
export const GALLERY_STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
header{position:sticky;top:0;background:#1f2937;color:#fff;padding:12px 20px;z-index:1}
header a{color:#bfdbfe}header h1{margin:0 0 6px;font-size:18px}.summary span{margin-right:14px}
.failures{margin-top:6px;max-height:30vh;overflow:auto}.failures ul{margin:4px 0;padding-left:20px}
.filters{margin-top:8px}.filters select,.filters input{margin-right:8px;padding:4px}.pager{margin-left:12px}
main{padding:16px 20px}.group{background:#fff;border-radius:8px;padding:12px 16px;margin-bottom:16px;box-shadow:0 1px 2px #0002}
.group h2{margin:0;font-size:16px}.prompt{color:#555;margin:4px 0 10px}
.variants{display:flex;gap:12px;flex-wrap:wrap}.variant{margin:0;width:240px;border:1px solid #ddd;border-radius:6px;padding:8px}
.variant img{max-width:100%;max-height:200px;display:block;margin:0 auto 4px;background:#eee}
.variant.failed,.variant.canceled,.variant.not_run{border-color:#e11d48;background:#fff1f2}
.variant.target{outline:3px solid #f59e0b}.review{display:block;font-size:12px;margin-bottom:4px}
.r-approved{color:#15803d}.r-rejected{color:#b91c1c}.r-pending{color:#b45309}.model{font-size:12px;color:#1d4ed8}
.error{color:#b91c1c;font-size:13px;margin:6px 0 0;word-break:break-word}.reason{color:#555;font-size:13px;margin:6px 0 0}
.status{float:right;font-size:12px;color:#555}.failures .status{float:none;color:#fca5a5}
.none{height:120px;display:flex;align-items:center;justify-content:center;color:#999;background:#f3f3f3}
code{font-size:12px}.empty{color:#555}
`;

/**
 * The gallery's script (plain browser JavaScript, no modules, so it runs from file://). The
 * view (filters, page, a job to jump to) lives in the URL's hash, so a link in the summary
 * can open any job on any page. Data pages and the filter index are scripts that call
 * `galleryPage` / `galleryIndex`, loaded when first needed and kept.
 */
export const GALLERY_SCRIPT = `(() => {
const D = ".gallery/data/";
const META = JSON.parse(document.getElementById("meta").textContent);
const P = META.pageSize;
const pages = new Map(), loading = new Map();
let index, indexLoading, matchCache = { key: null, list: null };
window.galleryPage = (n, jobs) => { pages.set(n, jobs); };
window.galleryIndex = (x) => { index = x; };
const load = (src) => new Promise((ok, fail) => {
  const s = document.createElement("script");
  s.src = src; s.onload = ok; s.onerror = () => fail(new Error("could not load " + src));
  document.head.appendChild(s);
});
const page = (n) => {
  if (!loading.has(n)) loading.set(n, load(D + "page-" + n + ".js").then(() => pages.get(n)));
  return loading.get(n);
};
const getIndex = () => (indexLoading = indexLoading || load(D + "index.js").then(() => { fillFilters(); return index; }));
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const $ = (id) => document.getElementById(id);
const FILTERS = ["status", "size", "model", "q"];
function fillFilters() {
  const lists = { status: index.statuses, size: index.sizes, model: index.models };
  for (const k in lists) {
    const sel = $(k), keep = sel.value;
    sel.length = 1;
    for (const v of lists[k]) sel.add(new Option(v, v));
    sel.value = keep;
  }
}
function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const v = { page: Math.max(1, parseInt(h.get("page") || "1", 10) || 1), at: h.get("at") };
  for (const k of FILTERS) v[k] = h.get(k) || "";
  return v;
}
function setHash(v) {
  document.body.dataset.busy = "1";
  const h = new URLSearchParams();
  for (const k of FILTERS) if (v[k]) h.set(k, v[k]);
  if (v.page > 1) h.set("page", String(v.page));
  const next = "#" + h.toString();
  if (location.hash === next || (next === "#" && location.hash === "")) render();
  else location.hash = next;
}
function matches(v) {
  const key = FILTERS.map((k) => v[k]).join("\\u0000");
  if (matchCache.key === key) return matchCache.list;
  const st = index.statuses.indexOf(v.status), sz = index.sizes.indexOf(v.size), md = index.models.indexOf(v.model);
  const q = v.q.toLowerCase(), list = [];
  for (let i = 0; i < index.st.length; i++) {
    if (v.status && index.st[i] !== st) continue;
    if (v.size && index.sz[i] !== sz) continue;
    if (v.model && index.md[i] !== md) continue;
    if (q && !index.q[i].includes(q)) continue;
    list.push(i);
  }
  matchCache = { key, list };
  return list;
}
function tile(j, target) {
  const imgs = j.o.map((o) => '<a href="' + esc(o[0]) + '" title="' + esc(o[0]) + " · " + o[2] + "×" + o[3] + '"><img src="' + esc(o[1]) + '" alt="' + esc(j.i) + '" loading="lazy"></a>'
    + (o[4] ? '<span class="review r-' + esc(o[4]) + '">' + esc(o[4]) + (o[5] ? ": " + esc(o[5]) : "") + "</span>" : "")).join("");
  const bad = j.s !== "succeeded" && j.s !== "skipped";
  const note = j.e ? (bad ? '<p class="error">' + esc(j.e) + "</p>" : '<p class="reason">' + esc(j.e) + "</p>") : "";
  const dims = j.o[0] ? j.o[0][2] + "×" + j.o[0][3] : "";
  return '<figure class="variant ' + esc(j.s) + (target ? " target" : "") + '" id="job-' + esc(j.i) + '" data-status="' + esc(j.s) + '" data-size="' + esc(j.z) + '">'
    + '<div class="images">' + (imgs || '<div class="none">no image</div>') + "</div>"
    + "<figcaption><b>" + esc(j.z) + "</b> " + esc(dims) + ' <span class="status">' + (j.s === "skipped" ? "up to date" : esc(j.s)) + '</span><br><span class="model">' + esc(j.m) + "</span><br><code>" + esc(j.i) + "</code>"
    + (j.r ? "<br><small>request " + esc(j.r) + "</small>" : "") + "</figcaption>" + note + "</figure>";
}
let renderCount = 0;
async function render() {
  const mine = ++renderCount;
  document.body.dataset.busy = "1";
  const v = readHash();
  for (const k of FILTERS) if ($(k).value !== v[k]) $(k).value = v[k];
  const filtered = FILTERS.some((k) => v[k]);
  let ids, total, at = v.at === null ? -1 : parseInt(v.at, 10);
  try {
    if (filtered) {
      await getIndex();
      for (const k of FILTERS) if ($(k).value !== v[k]) $(k).value = v[k];
      const list = matches(v);
      total = list.length;
      ids = list.slice((v.page - 1) * P, v.page * P);
    } else {
      total = META.n;
      if (at >= 0 && at < total) v.page = Math.floor(at / P) + 1;
      const start = (v.page - 1) * P;
      ids = [];
      for (let i = start; i < Math.min(total, start + P); i++) ids.push(i);
    }
    const needed = [...new Set(ids.map((i) => Math.floor(i / P) + 1))];
    await Promise.all(needed.map(page));
    if (mine !== renderCount) return;
    const html = [];
    let group = null;
    for (const i of ids) {
      const j = pages.get(Math.floor(i / P) + 1)[i % P];
      const g = j.g + "\\u0000" + j.p;
      if (g !== group) {
        if (group !== null) html.push("</div></section>");
        html.push('<section class="group"><h2>' + esc(j.g) + '</h2><p class="prompt">' + esc(j.p) + '</p><div class="variants">');
        group = g;
      }
      html.push(tile(j, i === at));
    }
    if (group !== null) html.push("</div></section>");
    const pagesAll = Math.max(1, Math.ceil(total / P));
    $("jobs").innerHTML = html.join("") || '<p class="empty">no job matches</p>';
    $("where").textContent = "page " + Math.min(v.page, pagesAll) + " of " + pagesAll + " · " + total + (filtered ? " matching" : "") + " jobs";
    $("where").dataset.page = String(v.page);
    $("prev").disabled = v.page <= 1;
    $("next").disabled = v.page >= pagesAll;
    const t = document.querySelector(".variant.target");
    if (t) t.scrollIntoView({ block: "center" });
    else window.scrollTo(0, 0);
  } catch (e) {
    $("jobs").innerHTML = '<p class="error">' + esc(e.message) + "</p>";
  }
  if (mine === renderCount) document.body.dataset.busy = "0";
  if (!filtered && mine === renderCount) setTimeout(() => getIndex().catch(() => {}), 0);
}
for (const k of FILTERS) $(k).addEventListener("input", () => {
  const v = readHash();
  v[k] = $(k).value; v.page = 1;
  setHash(v);
});
const shown = () => { const v = readHash(); v.page = parseInt($("where").dataset.page || "1", 10); return v; };
$("prev").addEventListener("click", () => { const v = shown(); v.page = Math.max(1, v.page - 1); setHash(v); });
$("next").addEventListener("click", () => { const v = shown(); v.page += 1; setHash(v); });
window.addEventListener("hashchange", render);
render();
})();
`;
