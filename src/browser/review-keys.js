// @ts-check
/**
 * The review app's keys. Grid: a approve · r reject with a note (opens the large view, note
 * box focused) · u undo · arrows move · Enter/Space enlarge. Large view: a or Enter approve ·
 * r reject with the note typed · u undo · arrows move · n write a note · Esc close. In the note
 * box: Enter rejects with the note, Shift+Enter is a new line, Esc leaves the box and keeps
 * what was typed (the view stays open).
 */

/**
 * What the keys do; each is called once per key press.
 * @typedef {{
 *   approve(): void,
 *   reject(): void,
 *   rejectWithNote(): void,
 *   undo(): void,
 *   move(by: "left" | "right" | "up" | "down"): void,
 *   enlarge(): void,
 * }} KeyActions
 */

/**
 * Listens for the keys on the document.
 * @param {{ dialog: HTMLDialogElement, note: HTMLTextAreaElement, panel: HTMLElement }} view
 * @param {KeyActions} act
 */
export function bindKeys({ dialog, note, panel }, act) {
  /** Escape pressed in the note box: the dialog's cancel that follows must not close it. */
  let escInNote = false;

  /** @param {KeyboardEvent} e */
  const onNoteKey = (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      escInNote = true;
      panel.focus();
    } else if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      act.rejectWithNote();
      panel.focus();
    }
  };

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    if (target === note) return onNoteKey(e);
    escInNote = false;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) {
      if (e.key === "Escape") target.blur();
      return;
    }
    // A focused button takes its own Enter and Space.
    if (target instanceof HTMLButtonElement && (e.key === "Enter" || e.key === " ")) return;
    const inView = dialog.open;
    switch (e.key) {
      case "a":
        act.approve();
        break;
      case "r":
        act.reject();
        break;
      case "u":
        act.undo();
        break;
      case "n":
        if (!inView) return;
        note.focus();
        break;
      case "ArrowRight":
        act.move("right");
        break;
      case "ArrowLeft":
        act.move("left");
        break;
      case "ArrowDown":
        act.move("down");
        break;
      case "ArrowUp":
        act.move("up");
        break;
      case "Enter":
        if (inView) act.approve();
        else act.enlarge();
        break;
      case " ":
        if (inView) return;
        act.enlarge();
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  dialog.addEventListener("cancel", (e) => {
    if (escInNote) e.preventDefault();
    escInNote = false;
  });
}
