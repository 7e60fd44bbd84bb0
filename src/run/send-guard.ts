import { NotSentError } from "../fal/index.js";
import { type Doubt, doubtOf } from "../model/doubt.js";
import type { Job } from "../plan/index.js";
import type { JobContext } from "./job-context.js";

/**
 * What a submit does as each of its sends leaves (past the outage gate, on every retry): its
 * `submitting` line goes on disk first, so a run killed during the submit knows it may have
 * paid, and how to find the request in fal's history. A line the disk refuses stops the send
 * (`NotSentError`): a request no journal knows of could be paid for twice. So does a run that
 * stopped while the submit waited; a spent budget has counted this one already.
 */
export class SendGuard {
  /** What finds the request in fal's history, once a send has left. */
  doubt: Doubt | undefined;
  /** A send was stopped here: nothing of this try reached fal. */
  blocked = false;

  constructor(
    readonly ctx: JobContext,
    readonly job: Job,
    readonly digest: string,
  ) {}

  #halted(): boolean {
    return this.ctx.stop.signal.aborted && !this.ctx.stop.byBudget();
  }

  #notSent(): never {
    this.blocked = true;
    throw new NotSentError(
      this.ctx.stop.reason() ?? "not submitted: its `submitting` line could not be journaled",
    );
  }

  readonly onSend = (): void => {
    const { ctx, job, digest } = this;
    if (this.#halted()) this.#notSent();
    const made = doubtOf(job.endpoint.id, digest, ctx.clock.now(), ctx.fal.bounds);
    const next: Doubt = ctx.fal.storage.storeIo === false ? { ...made, noPayloads: true } : made;
    const { endpoint, notAfter } = next;
    const noPayloads = next.noPayloads ? { storeIo: false as const } : {};
    const line = { type: "submitting", key: job.key, job: job.id, endpoint, digest, notAfter } as const;
    if (!(ctx.state.journal?.appendNow({ ...line, ...noPayloads }) ?? true)) this.#notSent();
    if (this.#halted()) {
      // The line met a full disk (the reserve made its room) and the run stopped: a line saying
      // it was not sent spares the next run a lookup in fal's history.
      const cause = ctx.stop.reason() ?? "the run stopped";
      ctx.state.journal?.appendNow({
        type: "unfinished",
        key: job.key,
        stage: "submit",
        cause,
        class: "retryable",
      });
      this.#notSent();
    }
    if (!this.doubt) ctx.fal.reconciler.sendStarted(digest);
    this.doubt = next;
  };
}
