import { describe, expect, it } from "vitest";
import { PipelineError } from "../../src/errors.js";
import { resolveFalAccess } from "../../src/fal/resolve-access.js";

describe("resolveFalAccess", () => {
  it("requires FAL_KEY to reach fal itself", () => {
    expect(() => resolveFalAccess({ env: {} })).toThrow(PipelineError);
    expect(resolveFalAccess({ env: { FAL_KEY: "k" } })).toEqual({
      target: { kind: "fal" },
      credentials: "k",
      description: "fal",
      source: "fal",
    });
    expect(resolveFalAccess({ env: { FAL_KEY_ID: "id", FAL_KEY_SECRET: "s" } }).credentials).toBe("id:s");
  });

  it("takes the flag over the environment for the base URL", () => {
    const a = resolveFalAccess({
      baseUrl: "http://127.0.0.1:1/",
      env: { SEEDREAM_FAL_BASE_URL: "http://127.0.0.1:2" },
    });
    expect(a.target).toEqual({ kind: "base-url", baseUrl: "http://127.0.0.1:1" });
    expect(a.source).toBe("http://127.0.0.1:1");
    expect(resolveFalAccess({ env: { SEEDREAM_FAL_BASE_URL: "http://127.0.0.1:2" } }).description).toBe(
      "http://127.0.0.1:2",
    );
    expect(() => resolveFalAccess({ baseUrl: "ftp://x", env: {} })).toThrow(
      "--fal-base-url must be an http(s) URL",
    );
  });

  it("never sends a real key to the built-in emulator", () => {
    const a = resolveFalAccess({ emulatorUrl: "http://127.0.0.1:3", env: { FAL_KEY: "real-key" } });
    expect(a.credentials).toBe("emulator");
    // Any port of the built-in emulator is the same source of (placeholder) results.
    expect(a.source).toBe("emulator");
  });
});
