// @ts-check
/** The review app's HTML: tiles and the large view's parts, pure functions of an item. */

/** @typedef {import("../review/review-item.js").ReviewItem} Item */
/** @typedef {{ status: Record<string, string>, review: Record<string, string> }} Words */

/** @param {unknown} s */
export const esc = (s) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** An image's identity in the decisions: job key and image number. @param {{ key: string, n: number }} it */
export const idOf = (it) => `${it.key}#${it.n}`;

/** The words every page uses (handed to the page as JSON by the server). */
export class Vocabulary {
  /** @param {Words} words */
  constructor(words) {
    this.words = words;
  }
  /** @param {string} s */
  status(s) {
    return this.words.status[s] ?? s;
  }
  /** @param {string} s */
  review(s) {
    return this.words.review[s] ?? s;
  }
}

/** @param {Item} it */
const inputThumb = (it) =>
  it.inputs.length
    ? it.inputs
        .slice(0, 2)
        .map(
          (x) =>
            `<img alt="input ${esc(x.source)}" title="input: ${esc(x.source)}" src="${x.url ? esc(x.url) : `/thumb/${x.sha256}`}" loading="lazy">`,
        )
        .join("")
    : '<div class="none quiet">no input shown</div>';

/**
 * A tile of the grid.
 * @param {Item} it
 * @param {number} i its place on the page
 * @param {boolean} focused
 * @param {Vocabulary} w
 */
export function tileHtml(it, i, focused, w) {
  const result = it.image
    ? `<img alt="result ${esc(it.job)}" title="${esc(it.image.path)}" src="/thumb/${it.image.sha256}" loading="lazy">`
    : `<div class="none">${esc(w.status(it.status))}${it.error ? `: ${esc(it.error)}` : ""}</div>`;
  const name = `${it.job}${it.n > 1 ? ` #${it.n}` : ""}`;
  return (
    `<article class="tile r-${it.review}${focused ? " focus" : ""}" data-i="${i}" data-id="${esc(idOf(it))}">` +
    `<div class="pair"><div class="before">${inputThumb(it)}</div><div class="after">${result}</div></div>` +
    `<div class="cap"><span class="id" title="${esc(name)}">${esc(name)}</span><span class="badge">${esc(w.review(it.review))}</span></div>` +
    (it.title ? `<div class="title" title="${esc(it.title)}">${esc(it.title)}</div>` : "") +
    `<div class="meta">${esc(it.size)} · ${esc(w.status(it.status))} · ${esc(it.model)}${it.lapsed ? ` · was decided, ${esc(it.lapsed)}` : ""}</div>` +
    (it.note ? `<div class="note" title="${esc(it.note)}">“${esc(it.note)}”</div>` : "") +
    (it.image
      ? '<div class="acts"><button class="ok" data-act="approved" title="approve (a)">✓</button><button class="no" data-act="rejected" title="reject with a note (r)">✗</button></div>'
      : "") +
    "</article>"
  );
}

/**
 * The large view's facts, as `<dt>`/`<dd>` pairs.
 * @param {Item} it
 * @param {Vocabulary} w
 */
export function factsHtml(it, w) {
  /** @type {Array<[string, unknown]>} */
  const list = [
    ["job", `${it.job}${it.n ? ` · image ${it.n}` : ""}`],
    ["product", it.title],
    [
      "decision",
      `${w.review(it.review)}${it.decidedAt ? ` · ${it.decidedAt}` : ""}${it.lapsed ? ` (earlier decision: ${it.lapsed})` : ""}`,
    ],
    ["status", `${w.status(it.status)}${it.error ? `: ${it.error}` : ""}`],
    ["model", it.model],
    ["size", `${it.size}${it.image ? ` · ${it.image.width}×${it.image.height}` : ""}`],
    ["seed", it.seed],
    ["request", it.requestId],
    ["price", it.priceUsd != null ? `$${it.priceUsd.toFixed(3)} per image` : ""],
    ["prompt", it.prompt],
  ];
  for (const [k, v] of Object.entries(it.row)) list.push([`row: ${k}`, v]);
  if (it.image) list.push(["file", it.image.path]);
  return list
    .filter((f) => f[1] !== undefined && f[1] !== "")
    .map((f) => `<dt>${esc(f[0])}</dt><dd>${esc(f[1])}</dd>`)
    .join("");
}

/** The large view's input images, whole. @param {Item} it */
export function inputsHtml(it) {
  const imgs = it.inputs.length
    ? it.inputs
        .map((x) => `<img alt="input ${esc(x.source)}" src="${x.url ? esc(x.url) : `/image/${x.sha256}`}">`)
        .join("")
    : '<p class="empty">no input image known</p>';
  return `<h3>Input${it.inputs.length > 1 ? "s" : ""}</h3><div class="imgs">${imgs}</div>`;
}

/**
 * The large view's result, whole, or why there is none.
 * @param {Item} it
 * @param {Vocabulary} w
 */
export function resultHtml(it, w) {
  const img = it.image
    ? `<img alt="result ${esc(it.job)}" src="/image/${it.image.sha256}">`
    : `<div class="none">${esc(it.error || w.status(it.status))}</div>`;
  return `<h3>Result · ${esc(w.review(it.review))}</h3><div class="imgs">${img}</div>`;
}
