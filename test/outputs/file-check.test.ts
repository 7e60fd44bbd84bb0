import { readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile, sha256File, stampOf } from "../../src/outputs/index.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();

async function written(content: string) {
  const path = join(await tempDir(), "a.bin");
  await writeFile(path, content);
  const stamp = await stampOf(path);
  if (!stamp) throw new Error("no stamp");
  return { path, record: { sha256: await sha256File(path), stamp } };
}

describe("checkFile", () => {
  it("takes a file whose size, mtime and inode match as unchanged without hashing it", async () => {
    const { path, record } = await written("hello");
    // A record with a wrong hash shows the file was not read.
    expect(await checkFile(path, { ...record, sha256: "0".repeat(64) })).toEqual({ state: "unchanged" });
    expect(await checkFile(path, { ...record, sha256: "0".repeat(64) }, true)).toEqual({
      state: "changed",
      why: "bytes differ",
    });
  });

  it("hashes a touched file once: same bytes give the fresh stamp to keep, which then matches", async () => {
    const { path, record } = await written("hello");
    await utimes(path, 1_700_000_000, 1_700_000_000);
    const first = await checkFile(path, record);
    expect(first).toEqual({
      state: "same-bytes",
      stamp: { ...record.stamp, mtimeNs: "1700000000000000000" },
    });
    if (first.state !== "same-bytes") throw new Error("unreachable");
    expect(await checkFile(path, { sha256: "0".repeat(64), stamp: first.stamp })).toEqual({
      state: "unchanged",
    });
  });

  it("a change with the size and mtime put back is caught only by verify", async () => {
    const { path } = await written("hello");
    await utimes(path, 1_700_000_000, 1_700_000_000);
    const stamp = await stampOf(path);
    const record = { sha256: await sha256File(path), stamp: stamp as NonNullable<typeof stamp> };
    await writeFile(path, "jello");
    await utimes(path, 1_700_000_000, 1_700_000_000);
    expect(await stampOf(path)).toEqual(record.stamp);
    expect(await checkFile(path, record)).toEqual({ state: "unchanged" });
    expect(await checkFile(path, record, true)).toEqual({ state: "changed", why: "bytes differ" });
    expect(await readFile(path, "utf8")).toBe("jello");
  });

  it("a missing file, or one without a recorded stamp, is checked by its bytes", async () => {
    const { path, record } = await written("hello");
    expect(await checkFile(`${path}.gone`, record)).toEqual({ state: "changed", why: "missing" });
    expect(await checkFile(path, { sha256: record.sha256 })).toEqual({
      state: "same-bytes",
      stamp: record.stamp,
    });
  });
});
