import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EmulatorOptions } from "../../src/emulator/index.js";
import { findEndpoint } from "../../src/endpoints/index.js";
import { useEmulators } from "../helpers/emulator.js";
import { writePng } from "../helpers/images.js";
import { runCli } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const emulators = useEmulators();
const tempDir = useTempDirs();
const KEY = "sk-doctor-e2e";
/** Whatever id the registry sends v5 lite to (fal renames endpoints). */
const V5 = findEndpoint("seedream-v5-lite")?.id ?? "";

/** A one-job manifest on v5 lite and an emulator that accepts KEY. */
async function setUp(options: EmulatorOptions = {}) {
  const dir = await tempDir();
  await writePng(join(dir, "in.png"), 320, 240, "#558833");
  await writeFile(
    join(dir, "m.yaml"),
    "name: doc\nmodel: seedream-v5-lite\nimages: { a: ./in.png }\nprompts: { p: Product shot. }\nsizes: { s: square }\n",
  );
  const em = await emulators.start({ apiKeys: [KEY], render: "fast", inferenceMs: 20, ...options });
  const out = join(dir, "out");
  const target = ["-o", out, "--fal-base-url", em.url];
  return { dir, em, out, target, manifest: join(dir, "m.yaml") };
}

async function profileOf(out: string) {
  return JSON.parse(await readFile(join(out, "doc", ".state", "fal-profile.json"), "utf8")) as {
    target: string;
    endpoints: Record<
      string,
      {
        history_lists_input: boolean;
        submit_urls: boolean;
        metadata_matches: boolean;
        keep_alive_seen: boolean;
        listing_delay_ms?: number;
      }
    >;
  };
}

describe("seedream-pipeline doctor", () => {
  it("without FAL_KEY and without --emulator or --fal-base-url: one line, exit 2, nothing asked", async () => {
    const r = await runCli(["doctor"], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("FAL_KEY is not set");
  });

  it("sends nothing billable: the key, pricing, history and what the night assumes, one line each; a rejected key fails it", async () => {
    const { em, manifest, target } = await setUp();
    const r = await runCli(["doctor", manifest, ...target], { env: { FAL_KEY: KEY } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("nothing billable sent");
    expect(r.stdout).toMatch(/^ok {3}key: accepted/m);
    expect(r.stdout).toContain(`ok   pricing: ${V5} $0.035/image`);
    expect(r.stdout).toContain(`ok   ${V5}: request history: readable with this key's scope`);
    expect(r.stdout).toContain(`ok   ${V5}: model: active, an OpenAPI schema`);
    // No profile yet: the night will not read "not listed" as "never accepted".
    expect(r.stdout).toContain(
      `warn ${V5}: the night assumes: fal's request history has not been verified to list a request by the exact input sent`,
    );
    expect(em.stats().submits.accepted).toBe(0);
    expect(em.requests.filter((q) => q.op === "submit")).toHaveLength(0);

    const bad = await runCli(["doctor", manifest, ...target], { env: { FAL_KEY: "sk-wrong" } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^fail key: .*401.* → the night would stop at its first submit/m);
  });

  it("--live: one request, its reply URLs, stream, result and history verified and recorded; the next doctor relies on them", async () => {
    const { em, out, manifest, target } = await setUp();
    const r = await runCli(["doctor", manifest, ...target, "--live"], { env: { FAL_KEY: KEY } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(em.stats().submits.accepted).toBe(1);
    for (const check of ["submit reply URLs", "status stream", "request history", "result metadata"])
      expect(r.stdout).toMatch(new RegExp(`^ok {3}${V5}: ${check}: `, "m"));
    const profile = await profileOf(out);
    expect(profile.target).toBe(em.url);
    expect(profile.endpoints[V5]).toMatchObject({
      submit_urls: true,
      history_lists_input: true,
      metadata_matches: true,
    });
    const again = await runCli(["doctor", manifest, ...target], { env: { FAL_KEY: KEY } });
    expect(again.stdout).toMatch(
      new RegExp(`^ok {3}${V5}: the night assumes: verified .* is sent again$`, "m"),
    );
    expect(em.stats().submits.accepted).toBe(1);
  });

  it("--live against fal as documented: URLs only at the reply's paths, keep-alives, a listing delay measured and added to the night's bound; misstated metadata is a warning", async () => {
    const { out, manifest, target } = await setUp({
      queuePathPrefix: "/q",
      streamKeepAliveMs: 20,
      inferenceMs: 400,
      faults: { historyDelayMs: 1500, misstateImages: true },
    });
    const r = await runCli(["doctor", manifest, ...target, "--live"], { env: { FAL_KEY: KEY } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^ok {3}${V5}: submit reply URLs: .*not the paths the client would build`, "m"),
    );
    expect(r.stdout).toMatch(
      new RegExp(`^ok {3}${V5}: status stream: [1-9]\\d* events, [1-9]\\d* keep-alives`, "m"),
    );
    expect(r.stdout).toMatch(new RegExp(`^warn ${V5}: result metadata: stated .* but the bytes are`, "m"));
    const entry = (await profileOf(out)).endpoints[V5];
    expect(entry).toMatchObject({
      submit_urls: true,
      keep_alive_seen: true,
      history_lists_input: true,
      metadata_matches: false,
    });
    // Listed no sooner than the emulator's delay after the request ended.
    expect(entry?.listing_delay_ms).toBeGreaterThanOrEqual(1500);
    const bound = 600 + 600 + (entry?.listing_delay_ms ?? 0) / 1000;
    expect(r.stdout).toContain(`not listed ${bound.toFixed(0)} s after it left`);
  });

  it("a history that lists the input with fal's defaults filled in: --live says so (exit 1), and a run leaves its submit in doubt for a person, saying why", async () => {
    const { em, out, manifest, target } = await setUp({ historyInput: "with-defaults" });
    const r = await runCli(["doctor", manifest, ...target, "--live"], { env: { FAL_KEY: KEY } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`fail ${V5}: request history: listed`);
    expect(r.stdout).toContain("its json_input is not the input sent");
    expect((await profileOf(out)).endpoints[V5]?.history_lists_input).toBe(false);

    // Every submit is cut off before fal accepts it: the history never lists it.
    em.setFaults({ resetSubmitRate: 1 });
    const run = await runCli(["run", manifest, ...target, "--start-timeout", "2s", "--max-run-time", "1s"], {
      env: { FAL_KEY: KEY },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("does not list a request by the exact input sent");
    expect(run.stderr).toContain("not sent again, to avoid paying twice (--retry-failed sends it again)");
    expect(run.stderr).not.toContain("fal never accepted it");
    // Cut off once, never sent again: nothing accepted, one submit in all.
    expect(em.stats().submits.accepted).toBe(1);
    expect(em.requests.filter((q) => q.op === "submit")).toHaveLength(2);
  });
});
