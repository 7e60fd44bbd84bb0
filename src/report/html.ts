/**
 * Escapes text for HTML content and quoted attributes: the one escape of the pages the server
 * side writes (gallery, review). The browser scripts have theirs: the review app's modules share
 * `esc` from review-html.js; the gallery's script runs from file://, where it can import nothing.
 */
export const escapeHtml = (s: unknown): string =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** JSON that is safe inside a `<script>` element. */
export const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, "\\u003c");
