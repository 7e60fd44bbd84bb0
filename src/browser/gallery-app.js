// @ts-check
/**
 * The gallery's browser script, inlined into `index.html` (plain script, no modules, so the
 * gallery opens from file://; type-checked by tsconfig.browser.json). The view (filters, page,
 * a job to jump to) lives in the URL's hash, so a link in the summary can open any job on any
 * page. Data pages and the filter index are scripts that call `galleryPage` / `galleryIndex`,
 * loaded when first needed and kept. Its filters and words are the review app's.
 */
(() => {
  /**
   * One job of a data page, in short keys (see `tileData` in src/report/gallery.ts): id,
   * status, size, model, group title, prompt, request id, message, outputs
   * ([path, thumb, width, height, review state?, note or lapse?]), inputs ([thumb, source]).
   * @typedef {{ i: string, s: string, z: string, m: string, g: string, p: string, r?: string, e?: string,
   *   o: Array<[string, string, number, number, string?, string?]>, n?: Array<[string, string]> }} Tile
   */
  /**
   * The filter index: value lists and, per job, the code of its value in each.
   * @typedef {{ statuses: string[], sizes: string[], models: string[], reviews: string[],
   *   st: number[], sz: number[], md: number[], rv: number[], q: string[] }} Index
   */
  /** @typedef {{ status: Record<string, string>, review: Record<string, string> }} Words */
  /** @typedef {{ page: number, at: string | null } & Record<string, string | number | null>} View */

  const D = ".gallery/data/";
  const $ = (/** @type {string} */ id) => {
    const e = document.getElementById(id);
    if (!e) throw new Error(`#${id} is missing`);
    return e;
  };
  const field = (/** @type {string} */ id) => /** @type {HTMLInputElement | HTMLSelectElement} */ ($(id));
  const button = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ ($(id));
  /** @type {{ n: number, pageSize: number, pages: number, words: Words }} */
  const META = JSON.parse($("meta").textContent ?? "{}");
  const P = META.pageSize;
  const statusWord = (/** @type {string} */ s) => META.words.status[s] ?? s;
  const reviewWord = (/** @type {string} */ s) => META.words.review[s] ?? s;
  /** @type {Map<number, Tile[]>} */
  const pages = new Map();
  /** @type {Map<number, Promise<Tile[] | undefined>>} */
  const loading = new Map();
  /** @type {Index | undefined} */
  let index;
  /** @type {Promise<Index | undefined> | undefined} */
  let indexLoading;
  /** @type {{ key: string | null, list: number[] }} */
  let matchCache = { key: null, list: [] };
  const w = /** @type {Window & { galleryPage?: unknown, galleryIndex?: unknown }} */ (window);
  w.galleryPage = (/** @type {number} */ n, /** @type {Tile[]} */ jobs) => {
    pages.set(n, jobs);
  };
  w.galleryIndex = (/** @type {Index} */ x) => {
    index = x;
  };
  /** @param {string} src */
  const load = (src) =>
    new Promise((ok, fail) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = ok;
      s.onerror = () => fail(new Error(`could not load ${src}`));
      document.head.appendChild(s);
    });
  /** @param {number} n */
  const page = (n) => {
    let p = loading.get(n);
    if (!p) {
      p = load(`${D}page-${n}.js`).then(() => pages.get(n));
      loading.set(n, p);
    }
    return p;
  };
  const getIndex = () => {
    indexLoading ??= load(`${D}index.js`).then(() => {
      fillFilters();
      return index;
    });
    return indexLoading;
  };
  /** @param {unknown} s */
  const esc = (s) =>
    String(s ?? "").replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
    );
  // The review app's filters, in its order: decision, status, model, size, text.
  const FILTERS = ["review", "status", "model", "size", "q"];

  function fillFilters() {
    if (!index) return;
    /** @type {Record<string, [string[], (v: string) => string]>} */
    const lists = {
      review: [index.reviews, reviewWord],
      status: [index.statuses, statusWord],
      model: [index.models, String],
      size: [index.sizes, String],
    };
    for (const [k, [values, word]] of Object.entries(lists)) {
      const sel = /** @type {HTMLSelectElement} */ ($(k));
      const keep = sel.value;
      sel.length = 1;
      for (const v of values) sel.add(new Option(word(v), v));
      sel.value = keep;
    }
  }

  /** @returns {View} */
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    /** @type {View} */
    const v = { page: Math.max(1, Number.parseInt(h.get("page") || "1", 10) || 1), at: h.get("at") };
    for (const k of FILTERS) v[k] = h.get(k) || "";
    return v;
  }
  /** @param {View} v */
  function setHash(v) {
    document.body.dataset.busy = "1";
    const h = new URLSearchParams();
    for (const k of FILTERS) if (v[k]) h.set(k, String(v[k]));
    if (v.page > 1) h.set("page", String(v.page));
    const next = `#${h.toString()}`;
    if (location.hash === next || (next === "#" && location.hash === "")) render();
    else location.hash = next;
  }
  /**
   * The jobs (by place) the filters keep.
   * @param {Index} x
   * @param {View} v
   */
  function matches(x, v) {
    const key = FILTERS.map((k) => v[k]).join("\u0000");
    if (matchCache.key === key) return matchCache.list;
    /** @type {Array<[string, string[], number[]]>} */
    const coded = [
      ["review", x.reviews, x.rv],
      ["status", x.statuses, x.st],
      ["size", x.sizes, x.sz],
      ["model", x.models, x.md],
    ];
    const wanted = coded
      .filter(([k]) => v[k])
      .map(([k, values, codes]) => ({ code: values.indexOf(String(v[k])), codes }));
    const q = String(v.q).toLowerCase();
    const list = [];
    for (let i = 0; i < x.st.length; i++) {
      if (wanted.some((f) => f.codes[i] !== f.code)) continue;
      if (q && !x.q[i]?.includes(q)) continue;
      list.push(i);
    }
    matchCache = { key, list };
    return list;
  }

  /**
   * @param {Tile} j
   * @param {boolean} target
   */
  function tile(j, target) {
    const imgs = j.o
      .map(
        (o) =>
          `<a href="${esc(o[0])}" title="${esc(o[0])} · ${o[2]}×${o[3]}"><img src="${esc(o[1])}" alt="${esc(j.i)}" loading="lazy"></a>` +
          (o[4]
            ? `<span class="review r-${esc(o[4])}">${esc(reviewWord(o[4]))}${o[5] ? `: ${esc(o[5])}` : ""}</span>`
            : ""),
      )
      .join("");
    const bad = j.s !== "succeeded" && j.s !== "skipped";
    const note = j.e ? `<p class="${bad ? "error" : "reason"}">${esc(j.e)}</p>` : "";
    const dims = j.o[0] ? `${j.o[0][2]}×${j.o[0][3]}` : "";
    return (
      `<figure class="variant ${esc(j.s)}${target ? " target" : ""}" id="job-${esc(j.i)}" data-status="${esc(j.s)}" data-size="${esc(j.z)}">` +
      `<div class="images">${imgs || `<div class="none">${esc(reviewWord("none"))}</div>`}</div>` +
      `<figcaption><code>${esc(j.i)}</code><br><b>${esc(j.z)}</b> ${esc(dims)} <span class="status">${esc(statusWord(j.s))}</span><br><span class="model">${esc(j.m)}</span>` +
      `${j.r ? `<br><small>request ${esc(j.r)}</small>` : ""}</figcaption>${note}</figure>`
    );
  }

  /** The head of a group's card: its title, prompt and input images. @param {Tile} j */
  function groupHead(j) {
    const inputs = (j.n ?? [])
      .map(
        (x) => `<img src="${esc(x[0])}" alt="input ${esc(x[1])}" title="input: ${esc(x[1])}" loading="lazy">`,
      )
      .join("");
    return (
      `<section class="group"><h2>${esc(j.g)}</h2><p class="prompt">${esc(j.p)}</p>` +
      (inputs
        ? `<div class="inputs"><span>input${(j.n?.length ?? 0) > 1 ? "s" : ""}</span>${inputs}</div>`
        : "") +
      '<div class="variants">'
    );
  }

  let renderCount = 0;
  async function render() {
    const mine = ++renderCount;
    document.body.dataset.busy = "1";
    const v = readHash();
    for (const k of FILTERS) if (field(k).value !== v[k]) field(k).value = String(v[k]);
    const filtered = FILTERS.some((k) => v[k]);
    const at = v.at === null ? -1 : Number.parseInt(v.at, 10);
    try {
      /** @type {number[]} */
      let ids;
      let total;
      if (filtered) {
        const x = await getIndex();
        if (!x) throw new Error("the filter index did not load");
        for (const k of FILTERS) if (field(k).value !== v[k]) field(k).value = String(v[k]);
        const list = matches(x, v);
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
      /** @type {string | null} */
      let group = null;
      for (const i of ids) {
        const j = pages.get(Math.floor(i / P) + 1)?.[i % P];
        if (!j) continue;
        const g = `${j.g}\u0000${j.p}`;
        if (g !== group) {
          if (group !== null) html.push("</div></section>");
          html.push(groupHead(j));
          group = g;
        }
        html.push(tile(j, i === at));
      }
      if (group !== null) html.push("</div></section>");
      const pagesAll = Math.max(1, Math.ceil(total / P));
      $("jobs").innerHTML = html.join("") || '<p class="empty">Nothing matches these filters.</p>';
      $("where").textContent =
        `page ${Math.min(v.page, pagesAll)} of ${pagesAll} · ${total}${filtered ? " matching" : ""} jobs`;
      $("where").dataset.page = String(v.page);
      button("prev").disabled = v.page <= 1;
      button("next").disabled = v.page >= pagesAll;
      const t = document.querySelector(".variant.target");
      if (t) t.scrollIntoView({ block: "center" });
      else window.scrollTo(0, 0);
    } catch (e) {
      $("jobs").innerHTML = `<p class="error">${esc(/** @type {Error} */ (e).message)}</p>`;
    }
    if (mine === renderCount) document.body.dataset.busy = "0";
    if (!filtered && mine === renderCount) setTimeout(() => getIndex().catch(() => {}), 0);
  }

  for (const k of FILTERS)
    field(k).addEventListener("input", () => {
      const v = readHash();
      v[k] = field(k).value;
      v.page = 1;
      setHash(v);
    });
  const shown = () => {
    const v = readHash();
    v.page = Number.parseInt($("where").dataset.page || "1", 10);
    return v;
  };
  button("prev").addEventListener("click", () => {
    const v = shown();
    v.page = Math.max(1, v.page - 1);
    setHash(v);
  });
  button("next").addEventListener("click", () => {
    const v = shown();
    v.page += 1;
    setHash(v);
  });
  window.addEventListener("hashchange", render);
  render();
})();
