import type { Clock } from "../clock.js";
import { FalUnavailableError, type OutageGate } from "../fal/index.js";
import type { JournalEntry, JournalWatch } from "../journal/journal.js";
import type { Logger } from "../log/logger.js";
import type { Job } from "../plan/index.js";
import type { Budget } from "./budget.js";
import type { InFlight } from "./job-context.js";

/** A write that failed for want of room or rights: the run stops paying for results it cannot store. */
const UNWRITABLE = /\b(ENOSPC|EDQUOT|EROFS|ENAMETOOLONG|EIO)\b/;

/**
 * The cause of a write to the output folder that failed for want of room or rights (its system
 * error's message, naming the file), or undefined for any other error.
 */
export function unwritableCause(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code, path, message } = e as NodeJS.ErrnoException;
    if (code !== undefined && UNWRITABLE.test(code))
      return path === undefined || message.includes(path) ? message : `${message} '${path}'`;
  }
  return undefined;
}

/** Whether a job's error message says an output write failed for want of room or rights. */
export function saysUnwritable(message: string): boolean {
  return UNWRITABLE.test(message);
}

/** How a run ended, beyond each job's status. */
export type RunEnd =
  | "completed"
  | "credentials_rejected"
  | "deadline"
  | "budget"
  | "interrupted"
  /** fal stayed away past `--outage-timeout`: every unfinished job is left for the next run. */
  | "fal_unavailable"
  /** The output folder could not be written (full, read-only): nothing more is paid for. */
  | "output_unwritable";

/**
 * Why a run stops submitting, once it does: fal rejected the credentials, the deadline passed
 * (what waits at fal is canceled), the budget is spent, or a signal interrupted it (what runs
 * at fal is left to the next run). The first stop wins, except that an interrupt always detaches.
 */
export class RunStop {
  #stopped: { end: RunEnd; reason: string; message?: string } | undefined;
  /** Disarms the deadline's wait (see `armDeadline`). */
  readonly #disarm = new AbortController();
  readonly #aborter = new AbortController();
  /** Aborts the moment the run stops, whatever stopped it. */
  readonly signal: AbortSignal = this.#aborter.signal;

  get #stop() {
    return this.#stopped;
  }

  set #stop(stop: { end: RunEnd; reason: string; message?: string } | undefined) {
    this.#stopped = stop;
    if (stop) this.#aborter.abort(new Error(stop.reason));
  }

  constructor(
    readonly logger: Logger,
    readonly inFlight: ReadonlyMap<string, InFlight>,
    readonly budget: Budget | undefined,
    /** The run's outage gate: an interrupt closes it, so no call waits there for fal to return. */
    readonly gate: OutageGate | undefined,
    readonly interruptSignal?: AbortSignal,
  ) {
    if (interruptSignal?.aborted) this.interrupt();
    interruptSignal?.addEventListener("abort", this.interrupt, { once: true });
  }

  /** fal rejected the credentials: nothing more is submitted. */
  fatal(message: string): void {
    if (this.#stop) return;
    this.#stop = {
      end: "credentials_rejected",
      reason: `not submitted: fal rejected the credentials (${message})`,
      message,
    };
    this.logger.error({ cause: message }, "fal rejected the credentials; nothing more is submitted");
  }

  /** At `at`, stop submitting and cancel what waits at fal (and what runs, with `cancel`). */
  armDeadline(at: number, action: "finish" | "cancel" | undefined, clock: Clock): void {
    const atDeadline = () => {
      if (this.#stop) return;
      this.#stop = { end: "deadline", reason: "not submitted: the run's deadline passed" };
      this.logger.warn(
        { inFlight: this.inFlight.size },
        "deadline: no more submits; canceling what waits at fal",
      );
      for (const f of this.inFlight.values())
        if (f.state === "queued" || action === "cancel") f.abort("the run's deadline passed");
    };
    // On the run's clock (a test's moves it), whose sleep also takes a wait past Node's timer
    // limit (~24.8 days) in steps: a bare setTimeout that long fires at once.
    const disarmed = this.#disarm.signal;
    void clock.sleep(Math.max(0, at - clock.now()), disarmed).then(() => {
      if (!disarmed.aborted) atDeadline();
    });
  }

  /**
   * Ends the run once fal has been away (see `OutageGate`) for `timeoutMs`: no call is sent any
   * more, what runs at fal is left to the next run, and so is every job not finished.
   */
  outage(gate: OutageGate, timeoutMs: number, now: number): void {
    const awayMs = gate.awayForMs(now);
    if (this.#stop || awayMs === 0 || awayMs < timeoutMs) return;
    const minutes = Math.round(awayMs / 6000) / 10;
    const reason = `not submitted: fal was unavailable for ${minutes} min (--outage-timeout)`;
    this.#stop = { end: "fal_unavailable", reason };
    this.logger.error(
      { awayMs, inFlight: this.inFlight.size },
      "fal unavailable past --outage-timeout: ending the run; every unfinished job is left for the next run",
    );
    gate.close(new FalUnavailableError(`fal unavailable for ${minutes} min; nothing more is sent`));
    for (const f of this.inFlight.values()) f.abort(reason, true);
  }

  /**
   * A write to the output folder failed for want of room or rights (ENOSPC, EROFS, …): every
   * result fal makes from here would be paid for and not stored, so nothing more is submitted,
   * and what runs at fal is left (journaled) for the next run to deliver.
   */
  unwritable(cause: string): void {
    if (this.#stop) return;
    const reason = `not submitted: the output folder cannot be written (${cause})`;
    this.#stop = { end: "output_unwritable", reason, message: cause };
    this.logger.error(
      { cause, inFlight: this.inFlight.size },
      "the output folder cannot be written: no more submits; what runs at fal is left to the next run",
    );
    for (const f of this.inFlight.values()) f.abort(reason, true);
  }

  /** SIGINT/SIGTERM: stop submitting; what runs at fal is left to the next run. */
  readonly interrupt = (): void => {
    if (this.#stop?.end === "interrupted") return;
    this.gate?.close(new FalUnavailableError("the run was interrupted: nothing more is sent to fal"));
    this.#stop = { end: "interrupted", reason: "not submitted: the run was interrupted" };
    this.logger.warn(
      { inFlight: this.inFlight.size },
      "interrupted: no more submits; what runs at fal is left to the next run",
    );
    for (const f of this.inFlight.values()) f.abort("the run was interrupted", true);
  };

  /** Why nothing more may be submitted, or undefined while the run goes on. */
  reason(): string | undefined {
    if (!this.#stop && this.budget?.exhausted) {
      this.#stop = { end: "budget", reason: `not submitted: the budget of $${this.budget.capUsd} is spent` };
      this.logger.warn({ cap: this.budget.capUsd }, "budget reached: no more submits; what runs finishes");
    }
    return this.#stop?.reason;
  }

  /** Whether the budget is what stopped submitting (what fal already accepted is still followed then). */
  byBudget(): boolean {
    this.reason();
    return this.#stop?.end === "budget";
  }

  /** How the run ended, and fal's message when it rejected the credentials. */
  get end(): { readonly end: RunEnd; readonly message?: string } {
    this.reason();
    const s = this.#stop;
    return { end: s?.end ?? "completed", ...(s?.message === undefined ? {} : { message: s.message }) };
  }

  dispose(): void {
    this.#disarm.abort();
    this.interruptSignal?.removeEventListener("abort", this.interrupt);
  }
}

/**
 * What the run does when its journal cannot be written: it stops submitting at once (a request
 * sent now could be paid for and known to no later run), and says every fal request a line
 * lost names, once each, with its job and endpoint: what a person needs to find it at fal.
 */
export function journalWatch(stop: RunStop, logger: Logger, jobs: readonly Job[]): JournalWatch {
  const said = new Set<string>();
  let byKey: Map<string, Job> | undefined;
  return {
    failed(error) {
      const path = error.path === undefined || error.message.includes(error.path) ? "" : ` '${error.path}'`;
      stop.unwritable(`${error.message}${path}`);
    },
    lost(entry: JournalEntry) {
      const request = "request" in entry ? entry.request : undefined;
      if (request === undefined || !("key" in entry) || said.has(request)) return;
      said.add(request);
      byKey ??= new Map(jobs.map((j) => [j.key, j]));
      const job = byKey.get(entry.key);
      logger.error(
        { job: job?.id, requestId: request, endpoint: job?.endpoint.id, line: entry.type },
        "not journaled: a line naming this fal request could not be written; keep this line (the next run looks the request up in fal's request history)",
      );
    },
  };
}
