import { readFileSync } from "node:fs";

let script: string | undefined;
/**
 * The gallery's browser script (`src/browser/gallery-app.js`, copied beside the build by
 * `npm run build`), inlined into `index.html` so the gallery opens from disk.
 */
export function galleryScript(): string {
  script ??= readFileSync(new URL("../browser/gallery-app.js", import.meta.url), "utf8");
  return script;
}

/** The gallery's stylesheet. */
export const GALLERY_STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
header{position:sticky;top:0;background:#1f2937;color:#fff;padding:12px 20px;z-index:1}
header a{color:#bfdbfe}header h1{margin:0 0 6px;font-size:18px}.summary span{margin-right:14px}
.failures{margin-top:6px;max-height:30vh;overflow:auto}.failures ul{margin:4px 0;padding-left:20px}
.filters{margin-top:8px}.filters select,.filters input{margin-right:8px;padding:4px}.pager{margin-left:12px}
main{padding:16px 20px}
#jobs{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:14px;align-items:start}
.group{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px #0002;min-width:0}
.group h2{margin:0;font-size:15px;overflow-wrap:anywhere}.prompt{color:#555;margin:2px 0 6px;font-size:13px}
.inputs{display:flex;gap:6px;align-items:center;margin-bottom:8px;font-size:12px;color:#555}
.inputs img{height:64px;max-width:96px;object-fit:contain;background:#eee;border-radius:3px}
.variants{display:flex;gap:8px;flex-wrap:wrap}.variant{margin:0;flex:1 1 150px;min-width:0;border:1px solid #ddd;border-radius:6px;padding:6px}
.variant code{overflow-wrap:anywhere;font-weight:600}
.variant img{max-width:100%;max-height:200px;display:block;margin:0 auto 4px;background:#eee}
.variant.failed,.variant.canceled,.variant.not_run{border-color:#e11d48;background:#fff1f2}
.variant.target{outline:3px solid #f59e0b}.review{display:block;font-size:12px;margin-bottom:4px}
.r-approved{color:#15803d}.r-rejected{color:#b91c1c}.r-pending{color:#b45309}.model{font-size:12px;color:#1d4ed8}
.error{color:#b91c1c;font-size:13px;margin:6px 0 0;word-break:break-word}.reason{color:#555;font-size:13px;margin:6px 0 0}
.status{float:right;font-size:12px;color:#555}.failures .status{float:none;color:#fca5a5}
.none{height:120px;display:flex;align-items:center;justify-content:center;color:#999;background:#f3f3f3}
code{font-size:12px}.empty{color:#555}
`;
