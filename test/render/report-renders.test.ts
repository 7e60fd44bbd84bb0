import { describe, expect, it } from "vitest";
import type { KeyState } from "../../src/journal/key-state.js";
import type { ImageRecord } from "../../src/model/image-record.js";
import type { PendingRender } from "../../src/model/kept-image.js";
import { withRenders } from "../../src/render/report-renders.js";
import type { ReportJob } from "../../src/report/index.js";

const H = (c: string) => c.repeat(64);
const REQ = "00000000-0000-4000-8000-000000000001";

const record = (n: number, sha: string): ImageRecord => ({
  n,
  path: `p/${n}.avif`,
  sha256: H(sha),
  bytes: 100 * n,
  width: 8,
  height: 8,
  contentType: "image/avif",
  sourceUrl: `https://fal.media/${n}.png`,
  original: { sha256: H("0"), ext: "png" },
  settings: "s",
  derivatives: [],
});

const job = (over: Partial<ReportJob> = {}): ReportJob => ({
  id: "a",
  key: H("k"),
  endpoint: "e",
  prompt_name: "p",
  size_name: "s",
  input: {},
  request_id: REQ,
  status: "succeeded",
  outputs: [],
  unrendered: 2,
  timings: {},
  ...over,
});

function state(images: ImageRecord[], keptNs: number[], request = REQ): KeyState {
  return {
    key: H("k"),
    job: "a",
    phase: "done",
    request,
    urls: undefined,
    endpoint: undefined,
    source: undefined,
    seed: undefined,
    result: undefined,
    images: new Map(images.map((i) => [i.n, i])),
    kept:
      keptNs.length === 0 ? undefined : new Map(keptNs.map((n) => [n, { n } as unknown as PendingRender])),
    requests: [request],
    cause: undefined,
    failureClass: undefined,
    doubt: undefined,
  };
}

const listed = (r: ImageRecord) => ({
  path: r.path,
  width: 8,
  height: 8,
  bytes: r.bytes,
  sha256: r.sha256,
  content_type: "image/avif",
  source_url: r.sourceUrl,
});

describe("withRenders: a report job as the folder's state has it now", () => {
  it("lists the images rendered since, in order, and drops `unrendered` once none is left", () => {
    expect(withRenders(job(), state([record(2, "b"), record(1, "a")], []))).toEqual({
      ...job(),
      unrendered: undefined,
      outputs: [listed(record(1, "a")), listed(record(2, "b"))],
    } as unknown as ReportJob);
    expect("unrendered" in withRenders(job(), state([record(1, "a"), record(2, "b")], []))).toBe(false);
  });

  it("counts what is still kept, and keeps an output's review as it was", () => {
    const reviewed = { ...listed(record(1, "a")), review: { state: "approved" as const } };
    const before = job({ outputs: [reviewed], unrendered: 2 });
    const now = withRenders(before, state([record(1, "a"), record(2, "b"), record(3, "c")], [3]));
    expect(now.outputs).toEqual([reviewed, listed(record(2, "b"))]);
    expect(now.unrendered).toBe(1);
  });

  it("leaves a job alone when nothing waited, or its key has gone to another request", () => {
    const done = job({ unrendered: undefined });
    expect(withRenders(done, state([record(1, "a")], []))).toBe(done);
    const other = state([record(1, "a")], [], "00000000-0000-4000-8000-000000000002");
    const waiting = job();
    expect(withRenders(waiting, other)).toBe(waiting);
    expect(withRenders(waiting, undefined)).toBe(waiting);
  });
});
