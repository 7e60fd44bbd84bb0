import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ApiError } from "@fal-ai/client";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  type EditClient,
  type FalRequestRef,
  type FalStatus,
  OutageGate,
  Traffic,
} from "../../src/fal/index.js";
import { Journal, type JournalWatch, type NewEntry } from "../../src/journal/journal.js";
import type { JobOutcome } from "../../src/model/job-outcome.js";
import { loadPlan } from "../../src/pipeline/load-plan.js";
import { executePlan } from "../../src/run/execute-plan.js";
import type { JournalLike } from "../../src/run/job-context.js";
import { runConfig } from "../../src/run/run-config.js";
import { pngBytes, writePng } from "../helpers/images.js";
import { journalEntries } from "../helpers/journal.js";
import { writeFiles } from "../helpers/manifests.js";
import { useTempDirs } from "../helpers/temp-dir.js";
import { VirtualClock } from "../helpers/virtual-clock.js";

const tempDir = useTempDirs();
const MEDIA = "https://v3.fal.media/files/";

/**
 * fal as a script, behind our own `EditClient` (the real client over HTTP is the e2e tests'):
 * each request id has the statuses and results it will give, in order. Every call is recorded.
 */
class ScriptedFal implements EditClient {
  readonly calls: string[] = [];
  #next = 0;
  constructor(
    /** What the nth submit (from 0) does: its request's answers, or an error to throw. */
    readonly script: (n: number, input: Record<string, unknown>) => RequestScript | Error,
  ) {}
  #requests = new Map<string, RequestScript>();

  async upload(): Promise<string> {
    this.calls.push("upload");
    return `${MEDIA}input.png`;
  }
  async submit(
    _endpoint: string,
    input: Record<string, unknown>,
  ): Promise<{ requestId: string; urls: undefined }> {
    const n = this.#next++;
    this.calls.push(`submit ${n}`);
    const s = this.script(n, input);
    if (s instanceof Error) throw s;
    const id = `0190a8f2-0000-7000-8000-${String(n).padStart(12, "0")}`;
    this.#requests.set(id, s);
    return { requestId: id, urls: undefined };
  }
  async status(_endpoint: string, { id }: FalRequestRef): Promise<FalStatus> {
    this.calls.push(`status ${id.slice(-2)}`);
    const s = this.#requests.get(id);
    const next = s?.statuses.shift();
    if (next instanceof Error) throw next;
    return next ?? { status: "COMPLETED" };
  }
  async follow(endpoint: string, ref: FalRequestRef, onUpdate: (s: FalStatus) => void): Promise<FalStatus> {
    this.calls.push(`follow ${ref.id.slice(-2)}`);
    for (;;) {
      const s = await this.status(endpoint, ref);
      onUpdate(s);
      if (s.status === "COMPLETED") return s;
    }
  }
  async result(_endpoint: string, { id }: FalRequestRef): Promise<{ data: unknown; requestId: string }> {
    this.calls.push(`result ${id.slice(-2)}`);
    const s = this.#requests.get(id);
    if (s?.result instanceof Error) throw s.result;
    return { data: s?.result ?? {}, requestId: id };
  }
  async cancel(_endpoint: string, { id }: FalRequestRef): Promise<void> {
    this.calls.push(`cancel ${id.slice(-2)}`);
  }
}

interface RequestScript {
  readonly statuses: Array<FalStatus | Error>;
  /** The result's data, or what the result call throws (fal's 500 for a request its runner lost). */
  readonly result: unknown;
}

const done = (seed: number, n = 1): RequestScript => ({
  statuses: [{ status: "IN_QUEUE", queuePosition: 0 }, { status: "IN_PROGRESS" }, { status: "COMPLETED" }],
  result: {
    images: Array.from({ length: n }, (_, i) => ({
      url: `${MEDIA}out-${seed}-${i}.png`,
      content_type: "image/png",
      width: 64,
      height: 48,
    })),
    seed,
  },
});

/** A download fetch serving a 64 × 48 PNG for any fal media URL, counting what it served. */
function mediaFetch(served: string[]): typeof fetch {
  return async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    served.push(url);
    return new Response(new Uint8Array(await pngBytes(64, 48)), {
      headers: { "content-type": "image/png" },
    });
  };
}

/** A two-prompt manifest over one local photo: two jobs, nothing from the network to plan. */
async function twoJobs(dir: string) {
  await writeFiles(dir, {
    "m.yaml":
      "name: engine\nmodel: seedream-v4.5\nimages:\n  shoe: ./shoe.png\nprompts:\n  studio: On white\n  street: On a street\n",
    "shoe.png": (p) => writePng(p, 64, 48),
  });
  const { plan } = await loadPlan(join(dir, "m.yaml"), { env: {} });
  return plan;
}

async function run(
  dir: string,
  fal: ScriptedFal,
  clock: VirtualClock,
  served: string[] = [],
  concurrency = 2,
) {
  const plan = await twoJobs(dir);
  const outputDir = join(dir, "out");
  const { journal } = await Journal.open(outputDir, () => clock.now());
  const traffic = new Traffic(clock, () => 0.5, new OutageGate({ clock }));
  const result = await executePlan({
    plan,
    fal: { client: fal, traffic, target: "fal", downloadFetch: mediaFetch(served) },
    state: { outputDir, journal },
    clock,
    random: () => 0.5,
    config: runConfig({ concurrency }),
    render: true,
    runId: "run-1",
  });
  journal.close();
  const outcomes = plan.jobs.map((j) => result.outcomes.get(j.id) as JobOutcome);
  return { plan, result, outcomes, outputDir };
}

describe("executePlan, in process on a virtual clock", () => {
  it("follows each request to its images, retries a failed status call on the same request, and journals every step", async () => {
    const dir = await tempDir();
    const clock = new VirtualClock();
    const started = clock.now();
    const fal = new ScriptedFal((n) =>
      n === 1
        ? {
            statuses: [
              new ApiError({ message: "unavailable", status: 503, body: {} }),
              { status: "COMPLETED" },
            ],
            result: done(2).result,
          }
        : done(1),
    );
    const served: string[] = [];
    const { plan, result, outcomes, outputDir } = await run(dir, fal, clock, served);

    expect(result.end).toBe("completed");
    expect(outcomes.map((o) => o.status)).toEqual(["succeeded", "succeeded"]);
    expect(fal.calls.filter((c) => c.startsWith("submit"))).toEqual(["submit 0", "submit 1"]);
    expect(fal.calls.filter((c) => c === "upload")).toHaveLength(1);
    // The 503 was retried after the policy's backoff, on the virtual clock: no real time passed.
    expect(clock.now() - started).toBeGreaterThanOrEqual(500);
    expect(served.sort()).toEqual([`${MEDIA}out-1-0.png`, `${MEDIA}out-2-0.png`]);
    for (const o of outcomes) {
      const path = join(outputDir, o.status === "succeeded" ? (o.outputs[0]?.path ?? "") : "");
      expect(await sharp(path).metadata()).toMatchObject({ width: 64, height: 48, format: "png" });
    }
    const lines = await journalEntries(outputDir);
    const types = (key: string) => lines.filter((l) => "key" in l && l.key === key).map((l) => l.type);
    // No request history was given, so no intent line: nothing could settle a doubt anyway.
    // fal's work ends once the original is kept (`kept`, then `done`); the rendered image's line
    // (`image`) comes from the render pool, before or after `done`.
    for (const job of plan.jobs) {
      const seen = types(job.key);
      expect(seen.slice(0, 3)).toEqual(["submitted", "completed", "kept"]);
      expect(seen.slice(3).sort()).toEqual(["done", "image"]);
    }
  });

  it("sends a new request when fal's runner failed the first, and records both", async () => {
    const dir = await tempDir();
    const clock = new VirtualClock();
    const fal = new ScriptedFal((n) =>
      n === 0
        ? {
            statuses: [{ status: "COMPLETED", errorType: "runner_error", error: "runner lost" }],
            result: new ApiError({
              message: "Internal Server Error",
              status: 500,
              body: { detail: "Runner error: the worker was lost", error_type: "runner_error" },
            }),
          }
        : done(n),
    );
    const { outcomes } = await run(dir, fal, clock);
    expect(outcomes.map((o) => o.status)).toEqual(["succeeded", "succeeded"]);
    expect(fal.calls.filter((c) => c.startsWith("submit"))).toHaveLength(3);
    const attempts = outcomes.map((o) => ("attempts" in o ? o.attempts.map((a) => a.outcome) : []));
    expect(attempts.sort()).toEqual([["resubmitted", "succeeded"], ["succeeded"]]);
  });

  it("stops submitting when fal rejects the key: the run ends credentials_rejected and nothing else is sent", async () => {
    const dir = await tempDir();
    const clock = new VirtualClock();
    const fal = new ScriptedFal(() => new ApiError({ message: "Unauthorized", status: 401, body: {} }));
    // One slot: the second job would be sent only after the first's answer, which stops the run.
    const { result, outcomes, outputDir } = await run(dir, fal, clock, [], 1);
    expect(result.end).toBe("credentials_rejected");
    expect(fal.calls.filter((c) => c.startsWith("submit"))).toHaveLength(1);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["not_run", "unfinished"]);
    expect((await readdir(outputDir)).filter((f) => f.endsWith(".png"))).toEqual([]);
  });
  /**
   * Two jobs over a journal whose first `submitting` line meets a full disk: `written` says
   * whether the reserve still gave it room. fal is the scripted one, told as each submit leaves.
   */
  async function fullDisk(dir: string, written: boolean) {
    const clock = new VirtualClock();
    /** The real client tells `onSend` as each submit leaves (see `createEditClient`). */
    class SendingFal extends ScriptedFal {
      override async submit(endpoint: string, input: Record<string, unknown>, o?: { onSend?: () => void }) {
        o?.onSend?.();
        return super.submit(endpoint, input);
      }
    }
    const fal = new SendingFal((n) => done(n));
    const lines: string[] = [];
    const watchers: JournalWatch[] = [];
    let full = false;
    const journal: JournalLike = {
      appendNow(entry: NewEntry) {
        if (entry.type === "submitting" && !full) {
          full = true;
          const error = Object.assign(new Error("ENOSPC: no space left on device, write"), {
            code: "ENOSPC",
            path: "/out/.state/journal.jsonl",
          });
          for (const w of watchers) w.failed(error);
          if (!written) return false;
        }
        lines.push(entry.type);
        return true;
      },
      append: async (entry) => {
        lines.push(entry.type);
      },
      watch: (w) => watchers.push(w) && undefined,
    };
    const plan = await twoJobs(dir);
    const result = await executePlan({
      plan,
      fal: {
        client: fal,
        traffic: new Traffic(clock, () => 0.5, new OutageGate({ clock })),
        target: "fal",
        downloadFetch: mediaFetch([]),
      },
      state: { outputDir: join(dir, "out"), journal },
      clock,
      random: () => 0.5,
      config: runConfig({ concurrency: 2 }),
      render: true,
    });
    const statuses = plan.jobs.map((j) => result.outcomes.get(j.id)?.status);
    return { fal, lines, result, statuses };
  }

  it("a submit whose `submitting` line the disk refuses never leaves: the run stops at once, output_unwritable", async () => {
    const { fal, lines, result, statuses } = await fullDisk(await tempDir(), false);
    expect(fal.calls.filter((c) => c.startsWith("submit"))).toEqual([]);
    expect([result.end, result.endMessage]).toEqual([
      "output_unwritable",
      "ENOSPC: no space left on device, write '/out/.state/journal.jsonl'",
    ]);
    expect(statuses).toEqual(["not_run", "not_run"]);
    expect(lines).toEqual([]);
  });

  it("a `submitting` line the reserve took after the disk filled is not sent either, and is followed by `unfinished`: no lookup next run", async () => {
    const { fal, lines, result, statuses } = await fullDisk(await tempDir(), true);
    expect(fal.calls.filter((c) => c.startsWith("submit"))).toEqual([]);
    expect(result.end).toBe("output_unwritable");
    expect(statuses).toEqual(["not_run", "not_run"]);
    expect(lines).toEqual(["submitting", "unfinished"]);
  });
});
