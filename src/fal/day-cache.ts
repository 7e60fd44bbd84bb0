import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Clock } from "../clock.js";
import { readTextFile, writeFileAtomic } from "../files/index.js";
import type { PlatformAccess } from "./platform-api.js";

const DAY_MS = 24 * 3600 * 1000;

/** Where a day cache lives and how long its entries hold (what `loadPrices` and `loadModels` share). */
export interface DayCacheOptions {
  /** How to reach fal; entries are kept per target (fal itself, or a base URL). */
  readonly access: PlatformAccess | undefined;
  /** The run's state folder (`<output>/.state`): the cache file is there. */
  readonly stateDir: string;
  readonly clock: Clock;
  /** How long a cached answer is used before fal is asked again. @default one day */
  readonly maxAgeMs?: number;
  /** Make the state folder to cache in; false caches only where it exists (`plan`, `validate`). @default true */
  readonly makeStateDir?: boolean;
  /**
   * With `makeStateDir: false`, given the save that could not be made yet (no state folder), for
   * a caller that makes the folder once the manifest is known to be valid (a run).
   */
  readonly saveLater?: (save: () => Promise<void>) => void;
}

/** One cached answer: whatever fal said, and when. */
type Entry = { readonly fetchedAt: number };

/**
 * fal's answers of the last day, by endpoint id, in a JSON file of the state folder
 * (`{ target, <field>: { id: entry } }`). Answers from another target (the emulator, a proxy)
 * say nothing about this one and are not used. The file is read and written without following
 * a link (a link there stops the run); a file that is not JSON counts as none.
 */
export class DayCache<T extends Entry> {
  private constructor(
    private readonly options: DayCacheOptions,
    private readonly path: string,
    private readonly field: string,
    private readonly target: string,
    private readonly entries: Record<string, T>,
    /** The JSON indent: prices are read by people, schemas are long. */
    private readonly indent: number,
  ) {}

  static async open<T extends Entry>(
    options: DayCacheOptions,
    name: string,
    field: string,
    indent = 0,
  ): Promise<DayCache<T>> {
    const target = options.access?.target.kind === "base-url" ? options.access.target.baseUrl : "fal";
    const path = join(options.stateDir, name);
    const text = await readTextFile(path, { within: dirname(options.stateDir) });
    let entries: Record<string, T> = {};
    try {
      const file = JSON.parse(text ?? "{}") as Record<string, unknown>;
      const held = file[field];
      if (file.target === target && held && typeof held === "object") entries = held as Record<string, T>;
    } catch {
      // Unreadable: asked again.
    }
    return new DayCache(options, path, field, target, entries, indent);
  }

  /**
   * Of `ids`, the entries younger than `maxAgeMs` that `usable` accepts (a cached answer passes
   * the checks fal's answer passed: the file may have been edited), and the ids to ask fal for.
   */
  split<U>(
    ids: readonly string[],
    usable: (id: string, entry: T) => U | undefined,
  ): { fresh: Map<string, U>; stale: string[] } {
    const now = this.options.clock.now();
    const maxAge = this.options.maxAgeMs ?? DAY_MS;
    const fresh = new Map<string, U>();
    const stale: string[] = [];
    for (const id of new Set(ids)) {
      const entry = this.entries[id];
      const age = entry ? now - entry.fetchedAt : Number.NaN;
      const use = entry && age >= 0 && age < maxAge ? usable(id, entry) : undefined;
      if (use === undefined) stale.push(id);
      else fresh.set(id, use);
    }
    return { fresh, stale };
  }

  set(id: string, entry: T): void {
    this.entries[id] = entry;
  }

  /** Writes the file, atomically (see `makeStateDir` and `saveLater`). */
  async save(): Promise<void> {
    const text = `${JSON.stringify({ target: this.target, [this.field]: this.entries }, null, this.indent || undefined)}\n`;
    const write = () =>
      writeFileAtomic(this.path, text, { within: dirname(this.options.stateDir), syncFolder: true });
    if (this.options.makeStateDir === false && !existsSync(this.options.stateDir)) {
      this.options.saveLater?.(write);
      return;
    }
    await write();
  }
}
