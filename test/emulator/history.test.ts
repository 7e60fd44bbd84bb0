import { describe, expect, it } from "vitest";
import { historyPage, parseHistoryQuery } from "../../src/emulator/history.js";
import type { FalRequest } from "../../src/emulator/request-store.js";
import { findEndpoint } from "../../src/endpoints/index.js";

const V45 = findEndpoint("seedream-v4.5");
const T0 = Date.UTC(2026, 11, 1, 5, 0, 0);
const DAY = 24 * 3600 * 1000;

/** A request as the store keeps it: sent at `sent`, run from `start` to `end` (ms after T0). */
function request(id: string, sent: number, start: number | undefined, end: number | undefined, status = 200) {
  if (!V45) throw new Error("no v4.5 endpoint");
  const phase: FalRequest["phase"] =
    end === undefined
      ? start === undefined
        ? { kind: "queued" }
        : { kind: "running", startedAt: T0 + start }
      : {
          kind: "completed",
          startedAt: start === undefined ? undefined : T0 + start,
          completedAt: T0 + end,
          outcome: { httpStatus: status, body: { id } },
        };
  return { id, endpoint: V45, input: { prompt: id }, submittedAt: T0 + sent, phase, logs: [] } as FalRequest;
}

function query(qs: string, now = T0 + 60_000) {
  const q = parseHistoryQuery(new URLSearchParams(`endpoint_id=${V45?.id}&${qs}`), now);
  if ("param" in q) throw new Error(q.message);
  return q;
}

const REQUESTS = [
  request("a", 0, 10, 5000),
  request("b", 1, 20, 2000),
  request("c", 2, undefined, 3000, 504), // timed out in the queue: never started
  request("d", 3, 30, 4000, 422),
  request("running", 4, 40, undefined),
  request("queued", 5, undefined, undefined),
];

describe("the emulator's request history (pure)", () => {
  it("lists ended requests only, newest end first, and sorts by duration when asked", () => {
    expect(historyPage(REQUESTS, query("")).items.map((i) => i.request_id)).toEqual(["a", "d", "c", "b"]);
    const byDuration = historyPage(REQUESTS, query("sort_by=duration")).items;
    expect(byDuration.map((i) => [i.request_id, i.duration])).toEqual([
      ["a", 4.99],
      ["d", 3.97],
      ["b", 1.98],
      ["c", 0],
    ]);
    expect(byDuration.find((i) => i.request_id === "c")).toMatchObject({
      started_at: null,
      status_code: 504,
    });
  });

  it("filters by end time window, status class and request id; pages by cursor", () => {
    const window = `start=${new Date(T0 + 2500).toISOString()}&end=${new Date(T0 + 4500).toISOString()}`;
    expect(historyPage(REQUESTS, query(window)).items.map((i) => i.request_id)).toEqual(["d", "c"]);
    expect(historyPage(REQUESTS, query("status=error")).items.map((i) => i.request_id)).toEqual(["c"]);
    expect(historyPage(REQUESTS, query("status=user_error")).items.map((i) => i.request_id)).toEqual(["d"]);
    expect(historyPage(REQUESTS, query("request_id=b")).items.map((i) => i.request_id)).toEqual(["b"]);
    const first = historyPage(REQUESTS, query("limit=3"));
    expect([first.items.length, first.next_cursor, first.has_more]).toEqual([3, "Mw==", true]);
    const rest = historyPage(REQUESTS, query(`limit=3&cursor=${first.next_cursor}`));
    expect([rest.items.map((i) => i.request_id), rest.next_cursor, rest.has_more]).toEqual([
      ["b"],
      null,
      false,
    ]);
    // The start defaults to 24 hours before now.
    expect(historyPage(REQUESTS, query("", T0 + DAY + 4001)).items.map((i) => i.request_id)).toEqual(["a"]);
  });

  it("names the parameter at fault in a bad query", () => {
    const bad = (qs: string) => parseHistoryQuery(new URLSearchParams(qs), T0);
    expect(bad("")).toEqual({ param: "endpoint_id", message: "field required" });
    expect(bad("endpoint_id=x&end=later")).toEqual({
      param: "end",
      message: 'not an ISO 8601 time: "later"',
    });
    expect(bad("endpoint_id=x&sort_by=sent_at")).toMatchObject({ param: "sort_by" });
    expect(bad("endpoint_id=x&limit=0")).toMatchObject({ param: "limit" });
    expect(bad("endpoint_id=x&cursor=bm9wZQ==")).toEqual({
      param: "cursor",
      message: "not a cursor this listing gave",
    });
  });
});
