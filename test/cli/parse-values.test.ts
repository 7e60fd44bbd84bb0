import { describe, expect, it } from "vitest";
import { holdOrMs, outageSpec, priceSpec } from "../../src/cli/parse-values.js";

describe("emulator flag values", () => {
  it("--outage AT+DURATION:KIND, repeatable", () => {
    const one = outageSpec("5000+120000:refuse");
    expect(one).toEqual([{ atMs: 5000, durationMs: 120000, kind: "refuse" }]);
    expect(outageSpec("0+10:503", one)).toEqual([...one, { atMs: 0, durationMs: 10, kind: "503" }]);
    expect(() => outageSpec("5000:refuse")).toThrow(
      'expected AT+DURATION:KIND (ms; kind refuse, reset, 502, 503 or 504) such as 5000+120000:refuse, got "5000:refuse"',
    );
    expect(() => outageSpec("0+10:500")).toThrow(/got "0\+10:500"/);
  });

  it("--price MODEL=USD by model name or endpoint id, repeatable", () => {
    const one = priceSpec("seedream-v4.5=0.03");
    expect(one).toEqual({ "fal-ai/bytedance/seedream/v4.5/edit": 0.03 });
    // Either id of the renamed v5 lite endpoint prices fal's current one.
    expect(priceSpec("fal-ai/bytedance/seedream/v5/lite/edit=.02", one)).toEqual({
      ...one,
      "bytedance/seedream/v5/lite/edit": 0.02,
    });
    expect(() => priceSpec("flux=0.01")).toThrow(/known model \(seedream-v4\.5, .*got "flux=0\.01"/);
    expect(() => priceSpec("seedream-v4.5=-1")).toThrow(/got "seedream-v4\.5=-1"/);
  });

  it("--delay-submit-answer: milliseconds or hold", () => {
    expect(holdOrMs("250")).toBe(250);
    expect(holdOrMs("hold")).toBe("hold");
    expect(() => holdOrMs("soon")).toThrow(/whole number from 0 to 3600000, got "soon"/);
  });
});
