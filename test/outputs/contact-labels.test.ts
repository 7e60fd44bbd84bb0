import { describe, expect, it } from "vitest";
import { labelLines } from "../../src/outputs/review-images.js";

describe("labelLines (the contact sheet's labels)", () => {
  it("keeps a short label on one line", () => {
    expect(labelLines("A1-square")).toEqual(["A1-square"]);
  });

  it("breaks a long job id after a dash, whole over two lines", () => {
    expect(labelLines("TRL-100234-BLK-W38-square-hero-banner")).toEqual([
      "TRL-100234-BLK-W38-square-",
      "hero-banner",
    ]);
    expect(labelLines("CTY-200871-WHT-M42-square (up to date)")).toEqual([
      "CTY-200871-WHT-M42-square",
      "(up to date)",
    ]);
  });

  it("breaks a label without separators at the width, and keeps the end of one longer than two lines", () => {
    expect(labelLines("x".repeat(40))).toEqual(["x".repeat(28), "x".repeat(12)]);
    expect(labelLines(`${"a".repeat(28)}-${"b".repeat(40)}-square`)).toEqual([
      "a".repeat(28),
      `…${"b".repeat(20)}-square`,
    ]);
  });
});
