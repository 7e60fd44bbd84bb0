import { describe, expect, it } from "vitest";
import { ownsKey, parseShard, shardOfKey } from "../../src/render/shard.js";

describe("render shards", () => {
  it("read i/n and refuse anything else, quoting it", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShard(" 1/1 ")).toEqual({ index: 1, count: 1 });
    for (const bad of ["0/3", "4/3", "3", "1/0", "a/b", "1/2/3", "-1/2"])
      expect(() => parseShard(bad)).toThrow(`got ${JSON.stringify(bad)}`);
  });

  it("give every key exactly one shard of n, the same on every call, spread over all of them", () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `key-${i}`);
    for (const count of [1, 2, 3, 4]) {
      const counts = new Array<number>(count).fill(0);
      for (const key of keys) {
        const owners = Array.from({ length: count }, (_, i) => i + 1).filter((index) =>
          ownsKey({ index, count }, key),
        );
        expect(owners).toEqual([shardOfKey(key, count)]);
        counts[(owners[0] as number) - 1] = (counts[(owners[0] as number) - 1] ?? 0) + 1;
      }
      // No shard starves: each gets within 15 % of its fair share of 3000 keys.
      for (const c of counts) expect(Math.abs(c - 3000 / count)).toBeLessThan((0.15 * 3000) / count);
    }
  });
});
