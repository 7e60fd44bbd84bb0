import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../files/index.js";
import type { GalleryFiles } from "../report/gallery.js";

/**
 * Writes the gallery's data scripts under `.gallery/data/` one page at a time, then removes
 * pages an earlier, larger run left.
 */
export async function writeGalleryData(outputDir: string, files: GalleryFiles): Promise<void> {
  const dir = join(outputDir, ".gallery", "data");
  for (const page of files.pages())
    await writeFileAtomic(join(dir, `page-${page.n}.js`), page.text, { fsync: false, within: outputDir });
  await writeFileAtomic(join(dir, "index.js"), files.index, { fsync: false, within: outputDir });
  for (const name of await readdir(dir)) {
    const n = /^page-(\d+)\.js$/.exec(name)?.[1];
    if (n !== undefined && Number(n) > files.pageCount) await rm(join(dir, name), { force: true });
  }
}
