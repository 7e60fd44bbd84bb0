import { createHash } from "node:crypto";

/** One of `count` render processes over a folder (`--shard index/count`, index from 1). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole folder: one process renders everything. */
export const WHOLE: Shard = { index: 1, count: 1 };

/**
 * Reads `--shard i/n` (1 ≤ i ≤ n): throws a one-line message quoting the value otherwise.
 * @example parseShard("2/4") // { index: 2, count: 4 }
 */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count)
    throw new Error(`--shard: expected i/n with 1 ≤ i ≤ n (e.g. 2/4), got ${JSON.stringify(text)}`);
  return { index, count };
}

/**
 * The shard (from 1) a job key belongs to: its SHA-256 read as a number, modulo `count`. Pure and
 * the same on every machine, so n processes split a folder's images with no coordination: each
 * key has exactly one shard.
 */
export function shardOfKey(key: string, count: number): number {
  if (count <= 1) return 1;
  const d = createHash("sha256").update(key).digest();
  return (d.readUInt32BE(0) % count) + 1;
}

/** Whether `key` is this shard's to render. */
export const ownsKey = (shard: Shard, key: string): boolean => shardOfKey(key, shard.count) === shard.index;

/** `i-of-n`, for the names of a shard's files. */
export const shardName = (shard: Shard): string => `${shard.index}-of-${shard.count}`;
