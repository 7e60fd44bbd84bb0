import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Garbage the JS heap may gather past what was live after the last full collection: 32 MB, or a
 * quarter of what is live when that is more (with 32 MB flat, the end of a 100,000-job night,
 * some 400 MB live, spent minutes in back-to-back full collections: its memory trace, taken once
 * a second, had gaps of 5–17 s).
 */
const SLACK_BYTES = 32 * 1024 * 1024;
const SLACK_SHARE = 0.25;

let collect: (() => void) | undefined;

/** V8's full collection, made callable the way jest's leak detector does it. */
function fullGc(): () => void {
  if (!collect) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  return collect;
}

/**
 * Keeps a long run's heap near what is live. Each job's objects (its responses, result, promises)
 * live a second or two, long enough to be promoted to V8's old space, and die there; V8 collects
 * the old space only once it has grown a few times past what was live, so a 100,000-job night
 * that holds 200 MB showed 600 MB of heap (and 900 MB RSS) between collections. Called on the
 * run's tick: once the heap has grown `SLACK_BYTES` (or `SLACK_SHARE` of what is live) past what
 * was live after the last full collection, it runs one. 32 MB, not the 96 MB it was: at 96 MB a
 * 3,000-job night's heap stood at 166 MB for 39 MB live (103 MB at 32 MB).
 */
export function heapGovernor(slack = SLACK_BYTES, share = SLACK_SHARE): () => void {
  let live = getHeapStatistics().used_heap_size;
  return () => {
    if (getHeapStatistics().used_heap_size < live + Math.max(slack, live * share)) return;
    fullGc()();
    live = getHeapStatistics().used_heap_size;
  };
}

/**
 * `jobs` as they are read, with the heap kept near what is live as they go (`govern` every 5,000
 * jobs): each pass over a report's jobs makes them anew, and V8, left alone, let the garbage of
 * the end of a run (the report, the runs/ record, the gallery, each a pass) grow the heap to
 * about twice what was live.
 */
export function governed<T>(jobs: Iterable<T>, govern: () => void = heapGovernor()): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      let n = 0;
      for (const job of jobs) {
        if (++n % 5000 === 0) govern();
        yield job;
      }
    },
  };
}
