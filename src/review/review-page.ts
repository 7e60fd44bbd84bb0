import { readFileSync } from "node:fs";
import { escapeHtml as esc, scriptJson } from "../report/html.js";
import { WORDS } from "../report/words.js";

/** The review app's browser modules (`src/browser/`, copied beside the build by `npm run build`). */
export const REVIEW_SCRIPTS = ["review-app.js", "review-html.js", "review-keys.js"] as const;

const scripts = new Map<string, string>();
/** A browser module of the review app by name (one of `REVIEW_SCRIPTS`), read once; served under `/app/`. */
export function reviewScript(name: (typeof REVIEW_SCRIPTS)[number]): string {
  let text = scripts.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../browser/${name}`, import.meta.url), "utf8");
    scripts.set(name, text);
  }
  return text;
}

const STYLE = `
*{box-sizing:border-box}body{font:14px/1.35 system-ui,sans-serif;margin:0;background:#eef0f3;color:#1f2937}
header{position:sticky;top:0;z-index:2;background:#111827;color:#f9fafb;padding:6px 14px}
.top{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
h1{font-size:16px;margin:0}.counts span{margin-right:10px}.counts b{font-weight:600}
.c-approved{color:#86efac}.c-rejected{color:#fca5a5}.c-pending{color:#fde68a}
.bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-top:5px}
.bar select,.bar input[type=search]{padding:3px 4px;border-radius:4px;border:1px solid #4b5563;background:#1f2937;color:#f9fafb;font:inherit;font-size:13px}
.bar input[type=search]{width:200px}.bar label{white-space:nowrap;font-size:13px}
button{font:inherit;cursor:pointer;border-radius:4px;border:1px solid #9ca3af;background:#f9fafb;padding:3px 8px}
header button{background:#374151;color:#f9fafb;border-color:#4b5563;font-size:13px}
.keys{color:#d1d5db;font-size:12px;margin-left:auto}.keys kbd{font:inherit;border:1px solid #6b7280;border-radius:3px;padding:0 3px}
.warn{color:#fcd34d;font-size:12px}
main{padding:10px 12px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:8px}
.tile{background:#fff;border-radius:6px;padding:5px;box-shadow:0 1px 2px #0002;border:2px solid transparent;position:relative}
.tile.focus{border-color:#2563eb;box-shadow:0 0 0 2px #93c5fd}
.tile.r-approved{background:#f0fdf4}.tile.r-approved .badge{background:#16a34a}
.tile.r-rejected{background:#fef2f2}.tile.r-rejected .badge{background:#dc2626}
.tile.r-pending .badge{background:#b45309}.tile.r-none .badge{background:#6b7280}
.pair{display:grid;grid-template-columns:2fr 3fr;gap:4px;height:140px;cursor:zoom-in}
.before{display:flex;flex-direction:column;gap:3px;min-height:0;position:relative}.before img{flex:1;min-height:0}
.pair img{width:100%;height:100%;object-fit:contain;background:#e5e7eb;border-radius:3px;display:block}
.after{position:relative;min-height:0}.after::before,.before::before{position:absolute;font-size:10px;color:#fff;background:#0009;padding:0 3px;border-radius:2px;z-index:1}
.before::before{content:"input"}.after::before{content:"result"}
.none{height:100%;display:flex;align-items:center;justify-content:center;text-align:center;color:#991b1b;background:#fee2e2;border-radius:3px;padding:4px;font-size:12px;overflow:hidden}
.none.quiet{color:#4b5563;background:#f3f4f6}
.cap{margin-top:4px;display:flex;gap:6px;align-items:flex-start}
.id,.title{overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.id{font-weight:600;font-size:14px;flex:1;min-width:0}
.badge{color:#fff;font-size:12px;padding:1px 6px;border-radius:8px;white-space:nowrap}
.title{font-size:13px}
.meta{color:#4b5563;font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.note{color:#7f1d1d;font-size:12px;font-style:italic;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.acts{position:absolute;top:8px;right:8px;display:none;gap:3px}.tile:hover .acts,.tile.focus .acts{display:flex}
.acts button{padding:0 6px;font-size:14px;line-height:20px}.ok{color:#15803d}.no{color:#b91c1c}
.pager{display:flex;gap:6px;align-items:center}
dialog{width:96vw;max-width:1800px;height:94vh;border:none;border-radius:8px;padding:10px 14px;box-shadow:0 10px 40px #0006}
dialog::backdrop{background:#0009}
#d-panel{display:grid;grid-template-columns:1fr 1fr minmax(300px,26%);gap:12px;height:100%;outline:none}
#d-panel .col{display:flex;flex-direction:column;gap:6px;min-height:0}
#d-panel .imgs{flex:1;display:flex;flex-direction:column;gap:6px;min-height:0}
#d-panel .imgs img{flex:1;min-height:0;width:100%;object-fit:contain;background:#e5e7eb;border-radius:4px}
#d-panel h3{margin:0;font-size:13px;color:#4b5563}
.side{display:flex;flex-direction:column;gap:8px;min-height:0}
#d-title{margin:0;font-size:16px;overflow-wrap:anywhere}
.details{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:0;font-size:12px;overflow:auto;flex:1;min-height:0}
.details dt{color:#6b7280}.details dd{margin:0;overflow-wrap:anywhere}
#d-note{width:100%;height:64px;font:inherit;resize:vertical}
.decide{display:flex;gap:6px;flex-wrap:wrap}.decide .ok{background:#dcfce7}.decide .no{background:#fee2e2}
.hint{color:#6b7280;font-size:12px;margin:0}.empty{color:#6b7280;padding:30px;text-align:center}
#toast{position:fixed;bottom:12px;left:50%;transform:translateX(-50%);background:#111827;color:#fff;padding:6px 12px;border-radius:6px;display:none;z-index:5}
`;

/**
 * The review app's page: a dense grid of results beside their inputs, filters, a dialog for
 * the large view and the decision with its note. The session token is in a meta tag, for the
 * page's own requests only; the words every page uses are handed to the script as JSON. Pure.
 */
export function reviewPage(pipeline: string, token: string): string {
  const words = scriptJson(WORDS);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="review-token" content="${esc(token)}"><link rel="icon" href="data:,">
<title>Review · ${esc(pipeline)}</title><style>${STYLE}</style></head><body data-busy="1">
<header><div class="top"><h1>Review · ${esc(pipeline)}</h1><span class="counts" id="counts"></span>
<span class="keys"><kbd>a</kbd> approve · <kbd>r</kbd> reject with a note · <kbd>u</kbd> undo · arrows move · <kbd>Enter</kbd> enlarge · <kbd>Esc</kbd> close</span></div>
<div class="bar">
<select id="f-review" title="decision"><option value="">every decision</option></select>
<select id="f-status" title="status"><option value="">every status</option></select>
<select id="f-model" title="model"><option value="">every model</option></select>
<select id="f-size" title="size"><option value="">every size</option></select>
<input id="f-text" type="search" placeholder="search id, row, prompt, request">
<label><input id="f-failures" type="checkbox"> failures first</label>
<button id="approve-shown" title="approve every undecided image on this page (rejections stay)">Approve shown</button>
<span class="pager"><button id="prev" title="previous page">◀</button><span id="range"></span><button id="next" title="next page">▶</button></span>
</div><div class="warn" id="warn"></div></header>
<main><div class="grid" id="grid"></div></main>
<dialog id="detail"><div id="d-panel" tabindex="-1"><div class="col" id="d-inputs"></div><div class="col" id="d-result"></div>
<div class="side"><h2 id="d-title"></h2><dl class="details" id="d-facts"></dl>
<textarea id="d-note" placeholder="note for a rejection: what is wrong, what to change"></textarea>
<p class="hint"><kbd>a</kbd>/<kbd>Enter</kbd> approve · <kbd>r</kbd> reject with the note · <kbd>n</kbd> write a note (<kbd>Enter</kbd> there rejects, <kbd>Esc</kbd> leaves it, kept) · <kbd>u</kbd> undo · arrows: other images</p>
<div class="decide"><button class="ok" id="d-approve">Approve (a)</button><button class="no" id="d-reject">Reject (r)</button><button id="d-undo">Undo (u)</button>
<button id="d-prev" title="previous image (←)">◀</button><button id="d-next" title="next image (→)">▶</button><button id="d-close" title="close (Esc)">Close</button></div></div></div></dialog>
<div id="toast"></div>
<script type="application/json" id="words">${words}</script>
<script type="module" src="/app/review-app.js"></script></body></html>
`;
}
