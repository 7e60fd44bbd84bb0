import { describe, expect, it } from "vitest";
import { parseDestination } from "../../src/publish/destination.js";
import { notFromFal } from "../../src/publish/made-by.js";
import { planPublish } from "../../src/publish/plan-publish.js";
import type { Report, ReportJob } from "../../src/report/index.js";
import type { Decision } from "../../src/review/decisions.js";
import { indexDecisions } from "../../src/review/review-status.js";

const H = (c: string) => c.repeat(64);

function job(id: string, key: string, status: ReportJob["status"], sha: string): ReportJob {
  return {
    id,
    key,
    endpoint: "fal-ai/bytedance/seedream/v4.5/edit",
    prompt_name: "hero",
    size_name: "square",
    input: {},
    status,
    outputs:
      status === "failed"
        ? []
        : [
            {
              path: `${id}.webp`,
              width: 10,
              height: 10,
              bytes: 100,
              sha256: sha,
              content_type: "image/webp",
              source_url: "https://fal.media/x",
              derivatives: [
                {
                  name: "thumb",
                  path: `${id}.thumb.jpg`,
                  width: 5,
                  height: 5,
                  bytes: 9,
                  sha256: H("9"),
                  content_type: "image/jpeg",
                },
              ],
            },
          ],
    timings: {},
  };
}

const report = {
  jobs: [
    job("A1", "ka", "succeeded", H("a")),
    job("B2", "kb", "skipped", H("b")),
    job("C3", "kc", "succeeded", H("c")),
    job("D4", "kd", "failed", ""),
    job("E5", "ke-new", "succeeded", H("e")),
  ],
} as unknown as Report;

const d = (key: string, job: string, state: Decision["state"], sha256?: string): Decision => ({
  key,
  n: 1,
  job,
  state,
  at: "2026-03-01T00:00:00.000Z",
  by: "review",
  ...(sha256 ? { sha256 } : {}),
});

describe("planPublish", () => {
  const decisions = indexDecisions([
    d("ka", "A1", "approved", H("a")),
    d("kb", "B2", "approved", H("0")), // approved other bytes: lapsed
    d("kc", "C3", "rejected", H("c")),
    d("ke-old", "E5", "approved", H("e")), // approved under the job's earlier key: lapsed
  ]);

  it("takes each approved image with its derivatives and sidecar, and says why the rest is held", () => {
    const { items, held } = planPublish(report, decisions);
    expect(items).toEqual([
      {
        job: "A1",
        n: 1,
        path: "A1.webp",
        kind: "image",
        contentType: "image/webp",
        cacheControl: "public, max-age=86400",
        sha256: H("a"),
      },
      {
        job: "A1",
        n: 1,
        path: "A1.thumb.jpg",
        kind: "derivative",
        contentType: "image/jpeg",
        cacheControl: "public, max-age=86400",
        sha256: H("9"),
      },
      {
        job: "A1",
        n: 1,
        path: "A1.webp.json",
        kind: "sidecar",
        contentType: "application/json",
        cacheControl: "no-cache",
        optional: true,
      },
    ]);
    expect(held).toEqual([
      { job: "B2", n: 1, state: "pending", reason: "image changed" },
      { job: "C3", n: 1, state: "rejected" },
      { job: "E5", n: 1, state: "pending", reason: "inputs changed" },
    ]);
  });

  it("with all, takes every image of a succeeded or up-to-date job, never a failed one", () => {
    const { items, held } = planPublish(report, decisions, { all: true, imageCacheControl: "max-age=60" });
    expect(items.filter((i) => i.kind === "image").map((i) => [i.job, i.cacheControl])).toEqual([
      ["A1", "max-age=60"],
      ["B2", "max-age=60"],
      ["C3", "max-age=60"],
      ["E5", "max-age=60"],
    ]);
    expect(held).toEqual([]);
  });
});

describe("parseDestination", () => {
  it("reads folders, file: URLs and s3://bucket/prefix, and refuses the rest", () => {
    expect(parseDestination("out/site")).toEqual({ kind: "folder", path: "out/site" });
    expect(parseDestination("file:///srv/a%20b")).toEqual({ kind: "folder", path: "/srv/a b" });
    expect(parseDestination("s3://shop-images/catalog/2026/")).toEqual({
      kind: "s3",
      bucket: "shop-images",
      prefix: "catalog/2026",
    });
    expect(parseDestination("s3://shop-images")).toEqual({ kind: "s3", bucket: "shop-images", prefix: "" });
    expect(() => parseDestination("s3://Bad_Bucket/x")).toThrow("`Bad_Bucket` is not a valid bucket name");
    expect(() => parseDestination("gs://b/x")).toThrow("expected a folder or s3://bucket/prefix, not gs://");
  });
});

describe("notFromFal", () => {
  const made = (target: string, sourceUrl: string) =>
    ({
      run: { fal_target: target },
      jobs: [
        {
          ...job("A1", "ka", "succeeded", H("a")),
          outputs: [{ ...job("A1", "ka", "succeeded", H("a")).outputs[0], source_url: sourceUrl }],
        },
        job("B2", "kb", "succeeded", H("b")),
      ],
    }) as unknown as Report;
  const items = (r: Report) => planPublish(r, indexDecisions([]), { all: true }).items;

  it("counts every image of a run that went elsewhere than fal, and loopback downloads of a fal run", () => {
    const emulated = made("http://127.0.0.1:4100", "http://127.0.0.1:4100/files/results/x.png");
    expect(notFromFal(emulated, items(emulated))).toEqual({ images: 2, where: "http://127.0.0.1:4100" });
    const mixed = made("fal", "http://localhost:8787/files/results/x.png");
    expect(notFromFal(mixed, items(mixed))).toEqual({ images: 1, where: "localhost:8787" });
    const paid = made("fal", "https://v3.fal.media/files/x.png");
    expect(notFromFal(paid, items(paid))).toBeUndefined();
    // Only what is to be published counts.
    expect(notFromFal(emulated, [])).toBeUndefined();
  });

  it("leaves sidecars out when asked", () => {
    const r = made("fal", "https://v3.fal.media/files/x.png");
    const kinds = planPublish(r, indexDecisions([]), { all: true, sidecars: false }).items.map((i) => i.kind);
    expect(kinds).toEqual(["image", "derivative", "image", "derivative"]);
  });
});
