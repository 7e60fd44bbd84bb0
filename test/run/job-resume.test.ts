import { describe, expect, it } from "vitest";
import { compactEntries, replay } from "../../src/journal/key-state.js";
import { startLabel } from "../../src/model/job-phase.js";
import { decideStart, journalPhase } from "../../src/run/job-resume.js";

const img = {
  path: "a-1.png",
  sha256: "h1",
  bytes: 10,
  width: 4,
  height: 4,
  contentType: "image/png",
  sourceUrl: "u",
  original: { sha256: "o1", ext: "png" },
  settings: "s",
  derivatives: [],
};

describe("how a job starts again: the journal's phase, then the run's start transition", () => {
  const states = replay([
    { t: 1, type: "submitted", key: "sub", job: "a", request: "r1", endpoint: "e" },
    { t: 1, type: "submitted", key: "com", job: "b", request: "r2", endpoint: "e" },
    { t: 2, type: "completed", key: "com", request: "r2", result: { images: [{ url: "u" }] } },
    { t: 1, type: "submitted", key: "done", job: "c", request: "r3", endpoint: "e" },
    { t: 2, type: "completed", key: "done", request: "r3", result: { images: [{ url: "u" }] } },
    { t: 3, type: "image", key: "done", request: "r3", n: 1, ...img },
    { t: 4, type: "done", key: "done", request: "r3" },
    { t: 1, type: "submitted", key: "bad", job: "d", request: "r4", endpoint: "e" },
    { t: 2, type: "failed", key: "bad", request: "r4", cause: "prompt: flagged", class: "permanent" },
    { t: 1, type: "submitting", key: "cut", job: "e" },
    { t: 1, type: "submitted", key: "exp", job: "f", request: "r5", endpoint: "e" },
    { t: 2, type: "expired", key: "exp", request: "r5" },
    { t: 1, type: "failed", key: "up", cause: "upload of a.png failed: 500", class: "retryable" },
    { t: 1, type: "submitted", key: "u-att", job: "g", request: "r6", endpoint: "e" },
    {
      t: 2,
      type: "unfinished",
      key: "u-att",
      request: "r6",
      stage: "status",
      cause: "503",
      class: "retryable",
    },
    { t: 1, type: "submitted", key: "u-dl", job: "h", request: "r7", endpoint: "e" },
    { t: 2, type: "completed", key: "u-dl", request: "r7", result: { images: [{ url: "u" }] } },
    {
      t: 3,
      type: "unfinished",
      key: "u-dl",
      request: "r7",
      stage: "download",
      cause: "truncated",
      class: "retryable",
    },
    { t: 1, type: "submitted", key: "u-new", job: "i", request: "r8", endpoint: "e" },
    { t: 2, type: "expired", key: "u-new", request: "r8" },
    { t: 3, type: "submitting", key: "u-new", job: "i" },
    { t: 4, type: "unfinished", key: "u-new", stage: "submit", cause: "ECONNREFUSED", class: "retryable" },
    { t: 1, type: "submitted", key: "doubt", job: "j", request: "r9", endpoint: "e" },
    { t: 2, type: "done", key: "doubt", request: "r9" },
    { t: 50, type: "submitting", key: "doubt", job: "j", endpoint: "e", digest: "d1", notAfter: 950 },
  ]);
  const start = (key: string | undefined, verified = false, options = {}) =>
    decideStart(journalPhase(key === undefined ? undefined : states.get(key), verified), options);

  it("attaches, downloads, skips or leaves failed jobs alone", () => {
    expect(start(undefined)).toEqual({ kind: "to-submit" });
    expect(start("sub")).toEqual({ kind: "submitted", request: "r1", attached: true });
    expect(start("com")).toEqual({
      kind: "delivering",
      request: "r2",
      result: { images: [{ url: "u" }] },
      from: "journal",
    });
    expect(start("done", true)).toEqual({
      kind: "up-to-date",
      reason: "up to date",
      request: "r3",
      images: [{ n: 1, ...img }],
    });
    expect(start("done", false)).toMatchObject({ kind: "delivering", request: "r3", from: "journal" });
    expect(start("bad")).toEqual({
      kind: "not-run",
      reason: "failed in an earlier run: prompt: flagged (--retry-failed sends it again)",
    });
    expect(start("exp")).toEqual({ kind: "to-submit", note: "fal no longer knows request r5" });
  });

  it("sends again what --force or --retry-failed asks for, and nothing else", () => {
    expect(start("done", true, { force: true })).toEqual({ kind: "to-submit", note: "--force" });
    expect(start("sub", false, { force: true })).toEqual({ kind: "to-submit", note: "--force" });
    expect(start("bad", false, { retryFailed: true })).toEqual({ kind: "to-submit", note: "--retry-failed" });
    // --force regenerates what was sent; a job whose request never went out stays failed.
    expect(start("bad", false, { force: true })).toEqual({ kind: "to-submit", note: "--force" });
    expect(start("up", false, { force: true })).toMatchObject({ kind: "not-run" });
  });

  it("keeps a submit cut off by a kill in doubt", () => {
    expect(journalPhase(states.get("cut"), false)).toEqual({ kind: "submitting" });
    expect(start("cut")).toMatchObject({ kind: "in-doubt" });
    expect(start("cut", false, { retryFailed: true })).toMatchObject({ kind: "to-submit" });
  });

  it("reconciles a submit cut off by a kill with fal's history, whatever the options", () => {
    const reconciling = {
      kind: "reconciling",
      doubt: { endpoint: "e", digest: "d1", since: 50, notAfter: 950 },
      reason: "an earlier run was stopped while sending it, before fal's answer came",
    };
    expect(start("doubt")).toEqual(reconciling);
    // Neither --force nor --retry-failed sends it before it is known whether fal has it.
    expect(start("doubt", true, { force: true, retryFailed: true })).toEqual(reconciling);
    expect(startLabel(start("doubt"))).toBe("reconcile");
    // Compaction keeps the time the submit left (the history is searched from it) and its bound.
    const again = replay(compactEntries(states, 9_999));
    expect(start("doubt")).toEqual(decideStart(journalPhase(again.get("doubt"), false), {}));
    expect(again.get("doubt")?.requests).toEqual(["r9"]);
  });

  it("names each start for the run's first log lines", () => {
    const keys = ["sub", "com", "done", "bad", "cut"] as const;
    expect(keys.map((k) => startLabel(start(k, k === "done")))).toEqual([
      "attach",
      "download",
      "skip",
      "failed-before",
      "in-doubt",
    ]);
  });

  it("takes up an unfinished job by itself: re-attach, deliver what was kept, or send when nothing was accepted", () => {
    expect(start("u-att")).toEqual({ kind: "submitted", request: "r6", attached: true });
    expect(start("u-dl")).toMatchObject({ kind: "delivering", request: "r7", from: "journal" });
    expect(start("u-new")).toEqual({ kind: "to-submit", note: "unfinished in an earlier run: ECONNREFUSED" });
    // No --retry-failed needed, and compaction keeps what the journal says.
    const again = replay(compactEntries(states, 9));
    for (const key of ["u-att", "u-dl", "u-new"])
      expect(decideStart(journalPhase(again.get(key), false), {})).toEqual(start(key));
  });
});
