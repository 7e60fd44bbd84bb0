import { randomInt } from "node:crypto";
import { extname, join } from "node:path";
import { makeFolder, readBytes, writeFileAtomic } from "../files/index.js";
import type { Logger } from "../log/logger.js";
import type { JobPhase } from "../model/job-phase.js";
import type { Job, Plan } from "../plan/index.js";
import { type ReportJob, type ReportOutput, reiterable, type StreamedReport } from "../report/index.js";
import {
  countReviews,
  type DecisionIndex,
  DecisionStore,
  indexDecisions,
  reviewOf,
  reviewStateDir,
} from "../review/index.js";

/** A rejected image this run makes again. */
interface Regeneration {
  readonly job: Job;
  readonly seed: number;
  /** Image number → the rejected file kept under `.state/review/rejected/`. */
  readonly kept: ReadonlyMap<number, string>;
}

/**
 * What a run does with the review decisions of its output folder: a rejected image is made
 * again with a new seed (its job is submitted anew, within the budget like any other; the
 * rejected file is copied under `.state/review/rejected/` first and stays in place until the
 * new one is written); an approved image is never made again, not even by `--force` (a changed
 * row, prompt or input is another job key, so its approval simply lapses); the report says
 * where every image stands.
 */
export class ReviewPass {
  readonly #regenerating = new Map<string, Regeneration>();

  private constructor(
    readonly outputDir: string,
    private readonly store: DecisionStore,
    private index: DecisionIndex,
    private readonly logger: Logger,
    private readonly newSeed: (old: number | undefined) => number,
  ) {}

  /** Reads the decisions of an output folder. `newSeed` is injectable for tests. */
  static async open(
    outputDir: string,
    logger: Logger,
    newSeed: (old: number | undefined) => number = freshSeed,
  ): Promise<ReviewPass> {
    const store = await DecisionStore.open(outputDir);
    return new ReviewPass(outputDir, store, indexDecisions(store.all()), logger, newSeed);
  }

  /** Whether a reviewer approved an image of this job (so `--force` leaves it as it is). */
  hasApproval(job: Job): boolean {
    return hasApproval(this.index, job);
  }

  /**
   * Turns each up-to-date job with a rejected image (decided on the bytes on disk) into a new
   * submit with a new seed, keeping the rejected files aside first. A job with an approved image
   * too is left alone (making it again would replace the approved one) and said so in the log.
   */
  async regenerate(
    plan: Plan,
    starts: ReadonlyMap<string, JobPhase>,
  ): Promise<{ plan: Plan; starts: Map<string, JobPhase> }> {
    const next = new Map(starts);
    const jobs: Job[] = [];
    for (const job of plan.jobs) {
      const start = starts.get(job.id);
      if (start?.kind !== "up-to-date") {
        jobs.push(job);
        continue;
      }
      const verdict = reviewVerdict(this.index, job, start.images);
      if (verdict === "keep") {
        jobs.push(job);
        continue;
      }
      if (verdict === "blocked") {
        this.logger.warn(
          { job: job.id },
          "a rejected image shares its request with an approved one: not made again (that would replace the approved image)",
        );
        jobs.push(job);
        continue;
      }
      const kept = new Map<number, string>();
      const dir = join(reviewStateDir(this.outputDir), "rejected");
      await makeFolder(dir, this.outputDir);
      for (const r of start.images) {
        if (reviewOf(this.index, job, r.n, r.sha256).state !== "rejected") continue;
        const target = join(dir, `${job.id}-${r.n}-${r.sha256.slice(0, 12)}${extname(r.path)}`);
        // A copy never read or written through a link (copyFile would follow one at either end).
        const from = join(this.outputDir, r.path);
        const bytes = await readBytes(from, { within: this.outputDir });
        if (!bytes)
          throw Object.assign(new Error(`ENOENT: no such file, ${from}`), { code: "ENOENT", path: from });
        await writeFileAtomic(target, bytes);
        kept.set(r.n, target.slice(this.outputDir.length + 1));
      }
      const old = typeof job.input.seed === "number" ? job.input.seed : undefined;
      const seed = this.newSeed(old);
      const again: Job = { ...job, input: { ...job.input, seed } };
      this.#regenerating.set(job.key, { job: again, seed, kept });
      next.set(job.id, { kind: "to-submit", note: `rejected in review: made again with seed ${seed}` });
      jobs.push(again);
    }
    if (this.#regenerating.size > 0)
      this.logger.info(
        { jobs: this.#regenerating.size },
        "review: rejected images are made again with new seeds",
      );
    return { plan: { ...plan, jobs }, starts: next };
  }

  /**
   * Records the rejected images this run made again (pending review, with their new seed), and
   * adds where each image stands to the report, with the counts.
   */
  async decorate(report: StreamedReport): Promise<StreamedReport> {
    const made = [];
    // A pass over every job only when some were made again after a rejection.
    for (const job of this.#regenerating.size > 0 ? report.jobs : []) {
      const again = this.#regenerating.get(job.key);
      if (!again || job.status !== "succeeded") continue;
      for (const [n, kept] of again.kept) {
        const output = job.outputs[n - 1];
        if (output)
          made.push({
            key: job.key,
            n,
            job: job.id,
            state: "pending" as const,
            by: "run" as const,
            seed: again.seed,
            kept,
            sha256: output.sha256,
          });
      }
    }
    if (made.length > 0) {
      await this.store.record(made);
      this.index = indexDecisions(this.store.all());
    }
    const index = this.index;
    const withReview = (job: ReportJob, o: ReportOutput, n: number) => this.#withReview(index, job, o, n);
    const jobs = reiterable(function* () {
      for (const job of report.jobs)
        yield job.outputs.length === 0
          ? job
          : { ...job, outputs: job.outputs.map((o, i) => withReview(job, o, i + 1)) };
    });
    const counts = countReviews(this.index, report.jobs);
    return {
      ...report,
      review: { ...counts, regenerated: made.map((m) => ({ job: m.job, n: m.n, seed: m.seed })) },
      jobs,
    };
  }

  #withReview(
    index: DecisionIndex,
    job: { id: string; key: string },
    o: ReportOutput,
    n: number,
  ): ReportOutput {
    const r = reviewOf(index, job, n, o.sha256);
    const d = r.decision;
    // Never decided: nothing to say per image (the counts say it).
    if (!d) return o;
    return {
      ...o,
      review: {
        state: r.state,
        ...(d?.note && !r.lapsed ? { note: d.note } : {}),
        ...(d && !r.lapsed ? { at: d.at } : {}),
        ...(r.lapsed ? { lapsed: r.lapsed } : {}),
        ...(r.lapsed === "regenerated" && d?.seed !== undefined ? { regenerated_seed: d.seed } : {}),
      },
    };
  }
}

/** Whether a reviewer approved an image of this job (so `--force` leaves it as it is). Pure. */
export function hasApproval(index: DecisionIndex, job: Job): boolean {
  for (let n = 1; n <= job.expectedImages.max; n++)
    if (index.byImage.get(`${job.key}#${n}`)?.state === "approved") return true;
  return false;
}

/**
 * What review makes of an up-to-date job's images: `regenerate` (a rejected image, decided on
 * these bytes, and no approved one), `blocked` (a rejected image shares its request with an
 * approved one: making it again would replace the approved image), or `keep`. Pure: `run`
 * acts on it, `plan` and `--dry-run` tell it.
 */
export function reviewVerdict(
  index: DecisionIndex,
  job: Job,
  images: ReadonlyArray<{ readonly n: number; readonly sha256: string }>,
): "regenerate" | "blocked" | "keep" {
  const states = images.map((r) => reviewOf(index, job, r.n, r.sha256).state);
  if (!states.includes("rejected")) return "keep";
  return states.includes("approved") ? "blocked" : "regenerate";
}

/**
 * The plan's jobs with the seed their latest request was sent with, where it is not the
 * manifest's: a rejected image made again was sent with a new seed the manifest does not hold,
 * and its sidecar and report must keep saying so on every later run (else the sidecar changes
 * and a publish sends it again). `sentSeed` gives the journal's seed of a job key. Pure.
 */
export function withSeedsSent(plan: Plan, sentSeed: (key: string) => number | undefined): Plan {
  let changed = false;
  const jobs = plan.jobs.map((job) => {
    const seed = sentSeed(job.key);
    if (seed === undefined || seed === job.input.seed) return job;
    changed = true;
    return { ...job, input: { ...job.input, seed } };
  });
  return changed ? { ...plan, jobs } : plan;
}

/** A seed fal accepts (a positive 31-bit integer), other than the one that made the rejected image. */
function freshSeed(old: number | undefined): number {
  for (;;) {
    const seed = randomInt(1, 2_147_483_647);
    if (seed !== old) return seed;
  }
}
