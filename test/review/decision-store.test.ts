import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DecisionStore, readDecisions, reviewStateDir } from "../../src/review/decision-store.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const tempDir = useTempDirs();
const T0 = Date.parse("2026-03-01T10:00:00Z");

describe("DecisionStore", () => {
  it("keeps every acknowledged decision across reopen; the latest of an image wins", async () => {
    const dir = await tempDir();
    const store = await DecisionStore.open(dir, () => T0);
    await store.record([
      { key: "k1", n: 1, job: "A1", state: "rejected", note: "logo cut off", by: "review" },
    ]);
    await store.record([
      { key: "k1", n: 1, job: "A1", state: "approved", by: "review" },
      { key: "k2", n: 1, job: "B2", state: "rejected", by: "review" },
    ]);
    const again = await DecisionStore.open(dir);
    expect(again.get("k1", 1)).toEqual({
      key: "k1",
      n: 1,
      job: "A1",
      state: "approved",
      by: "review",
      at: "2026-03-01T10:00:00.000Z",
    });
    expect(again.get("k2", 1)?.state).toBe("rejected");
    expect(again.get("k3", 1)).toBeUndefined();
    expect((await readDecisions(dir)).size).toBe(2);
  });

  it("cuts a torn last line (a kill mid-write) and goes on appending after the whole lines", async () => {
    const dir = await tempDir();
    const store = await DecisionStore.open(dir);
    await store.record([{ key: "k1", n: 1, job: "A1", state: "approved", by: "review" }]);
    const path = join(reviewStateDir(dir), "decisions.jsonl");
    await appendFile(path, '{"key":"k2","n":1,"job":"B');
    const reopened = await DecisionStore.open(dir);
    await reopened.record([{ key: "k3", n: 1, job: "C3", state: "rejected", by: "review" }]);
    const lines = (await readFile(path, "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual(["k1", "k3"]);
  });

  it("sees what another writer recorded before it writes, and compacts to one line per image", async () => {
    const dir = await tempDir();
    const a = await DecisionStore.open(dir);
    const b = await DecisionStore.open(dir);
    for (let i = 0; i < 150; i++)
      await a.record([{ key: "k1", n: 1, job: "A1", state: i % 2 ? "approved" : "rejected", by: "review" }]);
    await b.record([{ key: "k2", n: 1, job: "B2", state: "approved", by: "run" }]);
    expect(b.all().map((d) => d.key)).toEqual(["k1", "k2"]);
    expect(await a.compact()).toBe(true);
    const text = await readFile(join(reviewStateDir(dir), "decisions.jsonl"), "utf8");
    expect(text.trim().split("\n")).toHaveLength(2);
    const latest = await readDecisions(dir);
    expect(latest.get("k1#1")?.state).toBe("approved");
    expect(latest.get("k2#1")?.by).toBe("run");
    expect(await a.compact()).toBe(false);
  });
});
