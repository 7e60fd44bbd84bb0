// @ts-check
/**
 * The review app's browser script (a module, with review-html.js and review-keys.js), served
 * under /app/ by the review server; type-checked by tsconfig.browser.json against the server's
 * item type. It asks the server for a page of
 * tiles under the current filters, draws the grid and sends decisions with the session token.
 *
 * Keys: see review-keys.js. After a decision the next pending image is focused (and shown, in
 * the large view); `u` puts back what the last decision replaced.
 */
import { esc, factsHtml, idOf, inputsHtml, resultHtml, tileHtml, Vocabulary } from "./review-html.js";
import { bindKeys } from "./review-keys.js";

/** @typedef {import("../review/review-item.js").ReviewItem} Item */
/** @typedef {{ id: string, key: string, n: number, job: string, sha256: string, state: string, note: string }} Undo */

/** @param {string} id */
const el = (id) => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e;
};
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (el(id));
const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ (el(id));
const button = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (el(id));
const dialog = /** @type {HTMLDialogElement} */ (el("detail"));
const note = /** @type {HTMLTextAreaElement} */ (el("d-note"));
const panel = el("d-panel");

const TOKEN = /** @type {HTMLMetaElement} */ (document.querySelector('meta[name="review-token"]')).content;
const w = new Vocabulary(JSON.parse(el("words").textContent ?? "{}"));
const PAGE = 120;
const FILTERS = ["review", "status", "model", "size"];

/** @type {Item[]} */
let items = [];
let total = 0;
let offset = 0;
let focus = 0;
/** The index of the image in the large view, or -1. */
let open = -1;
/**
 * Whether the large view is showing. The dialog says so: Esc closes it before its `close`
 * event (which resets `open`) is handled, and a key pressed in between must act on the grid.
 */
const inView = () => dialog.open && open >= 0;
/** @type {{ review: Record<string, number>, status: Record<string, number>, model: Record<string, number>, size: Record<string, number> } | null} */
let facets = null;
/** Notes typed and not yet saved, by image: they outlive Esc, moving away and a reload of the list. */
const drafts = new Map();
/** What each decision replaced, latest last: `u` puts the last one back. */
/** @type {Undo[][]} */
const undo = [];

// One action at a time, each seeing where the one before left the focus: `a a` approves two.
// `data-busy` on the body says whether one is under way (tests wait for it).
let chain = Promise.resolve();
let queued = 0;
/** @param {() => Promise<void> | void} fn */
const serial = (fn) => {
  queued++;
  document.body.dataset.busy = "1";
  chain = chain
    .then(fn)
    .catch((/** @type {Error} */ e) => toast(`error: ${e.message}`))
    .finally(() => {
      if (--queued === 0) document.body.dataset.busy = "0";
    });
};

const query = () => {
  const p = new URLSearchParams();
  for (const f of FILTERS) {
    const v = select(`f-${f}`).value;
    if (v) p.set(f, v);
  }
  const text = input("f-text").value.trim();
  if (text) p.set("text", text);
  if (input("f-failures").checked) p.set("failuresFirst", "1");
  p.set("offset", String(offset));
  p.set("limit", String(PAGE));
  return p;
};

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/** @param {string} text */
const toast = (text) => {
  const t = el("toast");
  t.textContent = text;
  t.style.display = "block";
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    t.style.display = "none";
  }, 3000);
};

/**
 * @param {string} id
 * @param {Record<string, number>} counts
 * @param {(value: string) => string} word
 */
function fillSelect(id, counts, word) {
  const sel = select(id);
  const keep = sel.value;
  sel.length = 1;
  for (const k of Object.keys(counts).sort()) sel.add(new Option(`${word(k)} (${counts[k]})`, k));
  sel.value = keep;
}

function draw() {
  el("grid").innerHTML = items.length
    ? items.map((it, i) => tileHtml(it, i, i === focus, w)).join("")
    : '<div class="empty">Nothing matches these filters.</div>';
  const r = facets?.review ?? {};
  el("counts").innerHTML =
    ["approved", "rejected", "pending"]
      .map((s) => `<span class="c-${s}"><b>${r[s] ?? 0}</b> ${esc(w.review(s))}</span>`)
      .join("") + (r.none ? `<span><b>${r.none}</b> ${esc(w.review("none"))}</span>` : "");
  el("range").textContent = total ? `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}` : "0";
  button("prev").disabled = offset === 0;
  button("next").disabled = offset + PAGE >= total;
  const undecided = items.filter((x) => x.image && x.review === "pending").length;
  button("approve-shown").textContent = `Approve shown (${undecided})`;
  button("approve-shown").disabled = undecided === 0;
  document.querySelector(".tile.focus")?.scrollIntoView({ block: "nearest" });
}

/**
 * Loads the page under the filters; `want` (an image id) is focused if it is on it.
 * @param {string} [want]
 */
async function load(want) {
  const res = await fetch(`/api/items?${query()}`);
  if (!res.ok) throw new Error(`could not load the images (${res.status})`);
  const body = await res.json();
  items = body.items;
  total = body.total;
  facets = body.facets;
  if (body.offset !== offset) offset = body.offset;
  const at = want === undefined ? -1 : items.findIndex((it) => idOf(it) === want);
  focus = at >= 0 ? at : Math.min(focus, Math.max(0, items.length - 1));
  if (facets) {
    fillSelect("f-review", facets.review, (v) => w.review(v));
    fillSelect("f-status", facets.status, (v) => w.status(v));
    fillSelect("f-model", facets.model, String);
    fillSelect("f-size", facets.size, String);
  }
  el("warn").textContent = body.warnings.join(" · ");
  draw();
  if (inView()) {
    if (items.length) show(focus);
    else close();
  }
}

/**
 * The image to go to after deciding `from`: the next pending one after it, else the first
 * pending one before it, else `from` itself.
 * @param {number} from
 */
function nextPending(from) {
  const pending = (/** @type {Item | undefined} */ it) => it?.image && it.review === "pending";
  for (let i = from + 1; i < items.length; i++) if (pending(items[i])) return items[i];
  for (let i = 0; i < from; i++) if (pending(items[i])) return items[i];
  return items[from];
}

/**
 * Records `state` for the images (with `note`), remembers what it replaced for `u`, then
 * moves to the next pending image.
 * @param {Item[]} list
 * @param {"approved" | "rejected"} state
 * @param {string} [text]
 */
async function decide(list, state, text) {
  const chosen = list.filter((it) => it.image);
  if (!chosen.length) return;
  const at = items.indexOf(/** @type {Item} */ (chosen[chosen.length - 1]));
  const next = chosen.length === 1 ? nextPending(at) : items[at];
  const saved = await post(
    chosen.map((it) => ({
      key: it.key,
      n: it.n,
      job: it.job,
      state,
      sha256: it.image?.sha256 ?? "",
      ...(text ? { note: text } : {}),
    })),
  );
  if (!saved) return;
  undo.push(
    chosen.map((it) => ({
      id: idOf(it),
      key: it.key,
      n: it.n,
      job: it.job,
      sha256: it.image?.sha256 ?? "",
      state: it.review === "none" ? "pending" : it.review,
      note: it.note ?? "",
    })),
  );
  for (const it of chosen) drafts.delete(idOf(it));
  const first = /** @type {Item} */ (chosen[0]);
  toast(
    `${chosen.length === 1 ? first.job : `${chosen.length} images`} ${w.review(state)}${text ? ` (“${text}”)` : ""} · u undoes`,
  );
  await load(next ? idOf(next) : undefined);
}

/** Puts back what the last decision replaced, and focuses that image. */
async function undoLast() {
  const last = undo.pop();
  if (!last) {
    toast("nothing to undo");
    return;
  }
  const saved = await post(
    last.map((u) => ({
      key: u.key,
      n: u.n,
      job: u.job,
      state: u.state,
      sha256: u.sha256,
      ...(u.note ? { note: u.note } : {}),
    })),
  );
  if (!saved) {
    undo.push(last);
    return;
  }
  toast(
    `undone: ${last.length === 1 ? last[0]?.job : `${last.length} images`} ${w.review(last[0]?.state ?? "")} again`,
  );
  await load(last[0]?.id);
}

/** @param {Array<Record<string, unknown>>} decisions */
async function post(decisions) {
  const res = await fetch("/api/decisions", {
    method: "POST",
    headers: { "content-type": "application/json", "x-review-token": TOKEN },
    body: JSON.stringify({ decisions }),
  });
  if (!res.ok) toast(`not saved: ${await res.text()}`);
  return res.ok;
}

/**
 * Shows image `i` in the large view. Focus goes to the view itself, not the note box, so
 * keys decide; `writeNote` puts it in the note box instead (`r` in the grid).
 * @param {number} i
 * @param {boolean} [writeNote]
 */
function show(i, writeNote = false) {
  const it = items[i];
  if (!it) return;
  const moved = open !== i;
  open = i;
  focus = i;
  el("d-title").textContent = `${it.job}${it.n > 1 ? ` #${it.n}` : ""}${it.title ? ` · ${it.title}` : ""}`;
  el("d-inputs").innerHTML = inputsHtml(it);
  el("d-result").innerHTML = resultHtml(it, w);
  el("d-facts").innerHTML = factsHtml(it, w);
  if (moved || document.activeElement !== note) note.value = drafts.get(idOf(it)) ?? it.note ?? "";
  for (const b of ["d-approve", "d-reject", "d-undo"]) button(b).disabled = !it.image;
  if (!dialog.open) dialog.showModal();
  draw();
  if (writeNote && it.image) note.focus();
  else if (document.activeElement !== note || moved) panel.focus();
}

function close() {
  open = -1;
  if (dialog.open) dialog.close();
  draw();
}

/** @param {number} by */
function move(by) {
  if (!items.length) return;
  const next = Math.max(0, Math.min(items.length - 1, (inView() ? open : focus) + by));
  if (inView()) show(next);
  else {
    focus = next;
    draw();
  }
}

const current = () => items[inView() ? open : focus];
const columns = () => getComputedStyle(el("grid")).gridTemplateColumns.split(" ").length;
const typedNote = () => note.value.trim();

/** The image under the keys: the one in the large view, else the focused tile. */
const decideCurrent = (/** @type {"approved" | "rejected"} */ state) =>
  serial(() => {
    const it = current();
    return it && decide([it], state, inView() ? typedNote() : "");
  });
bindKeys(
  { dialog, note, panel },
  {
    approve: () => decideCurrent("approved"),
    reject: () => (inView() ? decideCurrent("rejected") : serial(() => show(focus, true))),
    rejectWithNote: () => decideCurrent("rejected"),
    undo: () => serial(undoLast),
    move: (by) =>
      serial(() => {
        const rows = inView() ? 1 : columns();
        move({ left: -1, right: 1, up: -rows, down: rows }[by]);
      }),
    enlarge: () => serial(() => show(focus)),
  },
);

dialog.addEventListener("close", () => {
  open = -1;
  draw();
});
note.addEventListener("input", () => {
  const it = current();
  if (it) drafts.set(idOf(it), note.value);
});

el("grid").addEventListener("click", (e) => {
  const t = /** @type {Element} */ (e.target);
  const tileEl = /** @type {HTMLElement | null} */ (t.closest(".tile"));
  if (!tileEl) return;
  const i = Number(tileEl.dataset.i);
  const act = /** @type {HTMLElement | null} */ (t.closest("button"))?.dataset.act;
  focus = i;
  const it = items[i];
  if (!it) return;
  if (act === "approved") serial(() => decide([it], "approved"));
  else if (act === "rejected") serial(() => show(i, true));
  else serial(() => show(i));
});
const inViewDecide = (/** @type {"approved" | "rejected"} */ state) => () =>
  serial(() => {
    const it = current();
    return it && decide([it], state, typedNote());
  });
button("d-approve").onclick = inViewDecide("approved");
button("d-reject").onclick = inViewDecide("rejected");
button("d-undo").onclick = () => serial(undoLast);
button("d-prev").onclick = () => serial(() => move(-1));
button("d-next").onclick = () => serial(() => move(1));
button("d-close").onclick = close;
button("approve-shown").onclick = () => {
  const list = items.filter((x) => x.image && x.review === "pending");
  if (
    list.length &&
    confirm(`Approve the ${list.length} undecided images on this page? (rejected ones stay rejected)`)
  )
    serial(() => decide(list, "approved"));
};
const reload = () =>
  serial(() => {
    focus = 0;
    return load();
  });
button("prev").onclick = () => {
  offset = Math.max(0, offset - PAGE);
  reload();
};
button("next").onclick = () => {
  offset += PAGE;
  reload();
};
for (const f of [...FILTERS, "failures"])
  el(`f-${f}`).addEventListener("change", () => {
    offset = 0;
    reload();
  });
/** @type {ReturnType<typeof setTimeout> | undefined} */
let typingTimer;
input("f-text").addEventListener("input", () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    offset = 0;
    reload();
  }, 200);
});
serial(() => load());
