/**
 * The review app's browser script (plain JavaScript, no build step). It asks the server for a
 * page of tiles under the current filters, draws the grid, and sends decisions with the
 * session token; keys: a approve, r reject, u undo, arrows move, Enter enlarge, Esc close.
 */
export const REVIEW_SCRIPT = `(() => {
const TOKEN = document.querySelector('meta[name="review-token"]').content;
const PAGE = 120;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
let items = [], total = 0, offset = 0, focus = 0, open = -1, facets = null;

const query = () => {
  const p = new URLSearchParams();
  for (const f of ["review", "status", "model", "size", "text"]) { const v = $("f-" + f).value; if (v) p.set(f, v); }
  if ($("f-failures").checked) p.set("failuresFirst", "1");
  p.set("offset", String(offset)); p.set("limit", String(PAGE));
  return p;
};
const toast = (text) => { const t = $("toast"); t.textContent = text; t.style.display = "block"; clearTimeout(toast.t); toast.t = setTimeout(() => { t.style.display = "none"; }, 2500); };

function fillSelect(id, counts) {
  const sel = $(id), keep = sel.value, first = sel.options[0].outerHTML;
  sel.innerHTML = first + Object.keys(counts).sort().map((k) => '<option value="' + esc(k) + '">' + esc(k) + " (" + counts[k] + ")</option>").join("");
  sel.value = keep;
}

function tile(it, i) {
  const inputs = it.inputs.length
    ? it.inputs.slice(0, 2).map((x) => '<img alt="input ' + esc(x.source) + '" title="input: ' + esc(x.source) + '" src="' + (x.url ? esc(x.url) : "/thumb/" + x.sha256) + '" loading="lazy">').join("")
    : '<div class="none" style="color:#6b7280;background:#f3f4f6">no input shown</div>';
  const result = it.image
    ? '<img alt="result ' + esc(it.job) + '" title="' + esc(it.image.path) + '" src="/thumb/' + it.image.sha256 + '" loading="lazy">'
    : '<div class="none">' + esc(it.status) + (it.error ? ": " + esc(it.error) : "") + "</div>";
  const label = it.review === "none" ? it.status : it.review;
  return '<article class="tile r-' + it.review + (i === focus ? " focus" : "") + '" data-i="' + i + '">' +
    '<div class="pair"><div class="before">' + inputs + '</div><div class="after">' + result + "</div></div>" +
    '<div class="cap"><span class="id" title="' + esc(it.job) + '">' + esc(it.job) + (it.n > 1 ? " #" + it.n : "") + '</span><span class="badge">' + esc(label) + "</span></div>" +
    '<div class="meta">' + esc(it.size) + " · " + esc(it.model) + (it.lapsed ? " · was decided, " + esc(it.lapsed) : "") + "</div>" +
    (it.note ? '<div class="note" title="' + esc(it.note) + '">“' + esc(it.note) + "”</div>" : "") +
    (it.image ? '<div class="acts"><button class="ok" data-act="approved" title="approve (a)">✓</button><button class="no" data-act="rejected" title="reject (r)">✗</button></div>' : "") +
    "</article>";
}

function draw() {
  $("grid").innerHTML = items.length ? items.map(tile).join("") : '<div class="empty">Nothing matches these filters.</div>';
  const r = facets.review;
  $("counts").innerHTML = '<span class="c-approved"><b>' + (r.approved || 0) + '</b> approved</span><span class="c-rejected"><b>' + (r.rejected || 0) + '</b> rejected</span><span class="c-pending"><b>' + (r.pending || 0) + "</b> pending</span>" + (r.none ? "<span><b>" + r.none + "</b> without image</span>" : "");
  $("range").textContent = total ? (offset + 1) + "–" + Math.min(offset + PAGE, total) + " of " + total : "0";
  $("prev").disabled = offset === 0; $("next").disabled = offset + PAGE >= total;
  const undecided = items.filter((x) => x.image && x.review === "pending").length;
  $("approve-shown").textContent = "Approve shown (" + undecided + ")";
  $("approve-shown").disabled = undecided === 0;
}

async function load() {
  const res = await fetch("/api/items?" + query());
  const body = await res.json();
  items = body.items; total = body.total; facets = body.facets;
  if (body.offset !== offset) offset = body.offset;
  focus = Math.min(focus, Math.max(0, items.length - 1));
  for (const f of ["review", "status", "model", "size"]) fillSelect("f-" + f, facets[f]);
  $("warn").textContent = body.warnings.join(" · ");
  draw();
  if (open >= 0) show(Math.min(open, items.length - 1));
}

async function decide(list, state, note) {
  const decisions = list.filter((it) => it.image).map((it) => {
    const d = { key: it.key, n: it.n, job: it.job, state, sha256: it.image.sha256 };
    if (note) d.note = note;
    return d;
  });
  if (!decisions.length) return;
  const res = await fetch("/api/decisions", { method: "POST", headers: { "content-type": "application/json", "x-review-token": TOKEN }, body: JSON.stringify({ decisions }) });
  if (!res.ok) { toast("not saved: " + (await res.text())); return; }
  toast(decisions.length + (decisions.length === 1 ? " image " : " images ") + (state === "pending" ? "undecided" : state));
  await load();
}

function show(i) {
  if (i < 0 || i >= items.length) return;
  open = i; focus = i;
  const it = items[i];
  $("d-inputs").innerHTML = "<h3>Input" + (it.inputs.length > 1 ? "s" : "") + "</h3>" + (it.inputs.length ? it.inputs.map((x) => '<img alt="input ' + esc(x.source) + '" src="' + (x.url ? esc(x.url) : "/image/" + x.sha256) + '">').join("") : '<p class="empty">no input image known</p>');
  $("d-result").innerHTML = "<h3>Result</h3>" + (it.image ? '<img alt="result ' + esc(it.job) + '" src="/image/' + it.image.sha256 + '">' : '<div class="none">' + esc(it.error || it.status) + "</div>");
  const facts = [["job", it.job + (it.n ? " · image " + it.n : "")], ["decision", it.review + (it.decidedAt ? " · " + it.decidedAt : "") + (it.lapsed ? " (earlier decision: " + it.lapsed + ")" : "")], ["status", it.status + (it.error ? ": " + it.error : "")], ["model", it.model], ["size", it.size + (it.image ? " · " + it.image.width + "×" + it.image.height : "")], ["seed", it.seed], ["request", it.requestId], ["price", it.priceUsd != null ? "$" + it.priceUsd.toFixed(3) + " per image" : ""], ["prompt", it.prompt]];
  for (const [k, v] of Object.entries(it.row)) facts.push(["row: " + k, v]);
  if (it.image) facts.push(["file", it.image.path]);
  $("d-facts").innerHTML = facts.filter((f) => f[1] !== undefined && f[1] !== "").map((f) => "<dt>" + esc(f[0]) + "</dt><dd>" + esc(f[1]) + "</dd>").join("");
  $("d-note").value = it.note || "";
  for (const b of ["d-approve", "d-reject", "d-clear"]) $(b).disabled = !it.image;
  if (!$("detail").open) $("detail").showModal();
  draw();
}
const close = () => { open = -1; $("detail").close(); draw(); };
const current = () => items[open >= 0 ? open : focus];

function move(by) {
  if (!items.length) return;
  const next = Math.max(0, Math.min(items.length - 1, (open >= 0 ? open : focus) + by));
  if (open >= 0) show(next); else { focus = next; draw(); document.querySelector(".tile.focus")?.scrollIntoView({ block: "nearest" }); }
}
const columns = () => getComputedStyle($("grid")).gridTemplateColumns.split(" ").length;

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const typing = e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
  if (typing) { if (e.key === "Escape") e.target.blur(); return; }
  const it = current();
  switch (e.key) {
    case "a": if (it) decide([it], "approved", open >= 0 ? $("d-note").value.trim() : ""); break;
    case "r": if (it) decide([it], "rejected", open >= 0 ? $("d-note").value.trim() : ""); break;
    case "u": if (it) decide([it], "pending"); break;
    case "ArrowRight": move(1); break;
    case "ArrowLeft": move(-1); break;
    case "ArrowDown": if (open < 0) move(columns()); else return; break;
    case "ArrowUp": if (open < 0) move(-columns()); else return; break;
    case "Enter": case " ": if (open < 0) show(focus); else return; break;
    case "Escape": if (open >= 0) close(); return;
    default: return;
  }
  e.preventDefault();
});

$("grid").addEventListener("click", (e) => {
  const t = e.target.closest(".tile");
  if (!t) return;
  const i = Number(t.dataset.i), act = e.target.closest("button")?.dataset.act;
  focus = i;
  if (act) decide([items[i]], act, "");
  else show(i);
});
$("d-approve").onclick = () => decide([current()], "approved", $("d-note").value.trim());
$("d-reject").onclick = () => decide([current()], "rejected", $("d-note").value.trim());
$("d-clear").onclick = () => decide([current()], "pending");
$("d-prev").onclick = () => move(-1);
$("d-next").onclick = () => move(1);
$("d-close").onclick = close;
$("detail").addEventListener("close", () => { open = -1; draw(); });
$("approve-shown").onclick = () => {
  const list = items.filter((x) => x.image && x.review === "pending");
  if (list.length && confirm("Approve the " + list.length + " undecided images on this page? (rejected ones stay rejected)")) decide(list, "approved");
};
$("prev").onclick = () => { offset = Math.max(0, offset - PAGE); focus = 0; load(); };
$("next").onclick = () => { offset += PAGE; focus = 0; load(); };
for (const f of ["review", "status", "model", "size", "failures"]) $("f-" + f).addEventListener("change", () => { offset = 0; focus = 0; load(); });
let typingTimer;
$("f-text").addEventListener("input", () => { clearTimeout(typingTimer); typingTimer = setTimeout(() => { offset = 0; focus = 0; load(); }, 200); });
load().catch((e) => toast("could not load: " + e.message));
})();`;
