import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, sourceFiles } from "./source-files.js";

const SRC = resolve("src");

/**
 * The rooms of src/, from the top down: a room may import only rooms on a lower line. Rooms on
 * one line are siblings and do not import each other. This is the one place the layering is
 * written down; the test fails on any import that is not an arrow pointing down.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["cli"],
  ["index"],
  ["pipeline"],
  ["publish"],
  ["review"],
  ["run"],
  ["render"],
  ["journal"],
  ["outputs", "fal"],
  ["report"],
  ["plan"],
  ["manifest"],
  ["endpoints"],
  // Opening and atomically writing files without following links: every room that keeps state
  // (journal, outputs, fal's caches, review, publish) needs it, and it needs only errors.
  ["files"],
  ["model", "log", "errors", "clock"],
];

/**
 * The emulator is a test double beside the pipeline, not part of it: only the CLI's `--emulator`
 * starts it, and it shares nothing with the rest but the endpoint definitions.
 */
const EMULATOR_IMPORTERS = new Set(["cli"]);
const EMULATOR_IMPORTS = new Set(["endpoints"]);

/** No room of src/ may hold more than this share of its lines. */
const MAX_ROOM_SHARE = 0.2;

/** The room of a file: its top folder under src/, or the file's name for a file at the top. */
function roomOf(file: string): string {
  const rel = relative(SRC, file);
  const [head, ...rest] = rel.split("/");
  return rest.length > 0 ? (head as string) : rel.replace(/\.ts$/, "");
}

const rank = new Map(LAYERS.flatMap((line, i) => line.map((room) => [room, i] as const)));

/** Why an import from room `from` to room `to` is not allowed, or undefined when it is. */
function refusal(from: string, to: string): string | undefined {
  if (from === "emulator")
    return EMULATOR_IMPORTS.has(to) ? undefined : "the emulator imports only endpoints/";
  if (to === "emulator") return EMULATOR_IMPORTERS.has(from) ? undefined : "only cli/ starts the emulator";
  const a = rank.get(from);
  const b = rank.get(to);
  if (a === undefined) return `room ${from} is on no line of LAYERS`;
  if (b === undefined) return `room ${to} is on no line of LAYERS`;
  if (a === b) return "siblings on one line do not import each other";
  return a > b ? "the arrow runs back up" : undefined;
}

describe("layers of src/", () => {
  const files = sourceFiles(SRC);

  it("every import between rooms points down", () => {
    const wrong: string[] = [];
    for (const file of files)
      for (const target of importsOf(file)) {
        const from = roomOf(file);
        const to = roomOf(target);
        if (from === to) continue;
        const why = refusal(from, to);
        if (why) wrong.push(`${relative(SRC, file)} → ${relative(SRC, target)}: ${why}`);
      }
    expect(wrong).toEqual([]);
  });

  it("every room of src/ is on a line of LAYERS", () => {
    const rooms = new Set(files.map(roomOf));
    const unplaced = [...rooms].filter((r) => r !== "emulator" && !rank.has(r));
    expect(unplaced).toEqual([]);
  });

  it(`no room holds over ${MAX_ROOM_SHARE * 100} % of the lines`, () => {
    const lines = new Map<string, number>();
    let total = 0;
    for (const file of files) {
      const n = readFileSync(file, "utf8").split("\n").length;
      total += n;
      lines.set(roomOf(file), (lines.get(roomOf(file)) ?? 0) + n);
    }
    const over = [...lines]
      .filter(([, n]) => n / total > MAX_ROOM_SHARE)
      .map(([room, n]) => `${room}: ${n} of ${total}`);
    expect(over).toEqual([]);
  });

  it("knows a wrong arrow when it sees one", () => {
    expect(refusal("report", "run")).toBe("the arrow runs back up");
    expect(refusal("outputs", "fal")).toBe("siblings on one line do not import each other");
    expect(refusal("pipeline", "emulator")).toBe("only cli/ starts the emulator");
    expect(refusal("run", "journal")).toBeUndefined();
  });
});
